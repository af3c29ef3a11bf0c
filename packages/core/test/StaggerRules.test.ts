/**
 * `Stagger.staggeredRace`, rule by rule: one `describe` per numbered rule of API.md's
 * `staggeredRace` section, each quoting its rule. Every test runs under `TestClock` and
 * asserts the exact virtual time of every start, end and finalizer.
 */
import { HappyEyeballs, Resolver, Stagger } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { pipe } from "effect/Function"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { lookups } from "./support/net.js"

/**
 * How a scripted attempt ends: `ok` or `fail` after `after` ms, or never. `cleanup` is how long
 * its finalizer takes, so that "the finalizers have run before the race returns" is visible
 * as time.
 */
type Script = { readonly after: number; readonly result: "ok" | "fail"; readonly cleanup?: number } | {
  readonly hang: true
  readonly cleanup?: number
}

const hang: Script = { hang: true }
const ok = (after: number): Script => ({ after, result: "ok" })
const fail = (after: number): Script => ({ after, result: "fail" })

/** A log of `<virtual ms> <event>` lines shared by the attempts and the test. */
const recorder = Effect.gen(function*() {
  const log = yield* Ref.make<ReadonlyArray<string>>([])
  const note = (line: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(log, (lines) => [...lines, `${now} ${line}`]))
  const attempt = (name: string, script: Script): Effect.Effect<string, string> =>
    Effect.gen(function*() {
      yield* note(`start ${name}`)
      if ("hang" in script) return yield* Effect.never
      yield* Effect.sleep(script.after)
      if (script.result === "fail") {
        yield* note(`fail ${name}`)
        return yield* Effect.fail(`${name} failed`)
      }
      yield* note(`ok ${name}`)
      return name
    }).pipe(
      Effect.onInterrupt(() => Effect.zipRight(Effect.sleep(script.cleanup ?? 0), note(`interrupted ${name}`)))
    )
  return { log: Ref.get(log), note, attempt }
})

/** Forks the race, moves the clock by `millis`, notes when the race returned. */
const runFor = <A, E>(
  race: Effect.Effect<A, E>,
  note: (line: string) => Effect.Effect<void>,
  millis: number
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.tap(race, () => note("returned")))
    yield* TestClock.adjust(millis)
    return yield* Fiber.join(fiber)
  })

/** A generator that counts how often it is advanced. */
const counted = <A>(items: ReadonlyArray<A>, onNext: () => void): Iterable<A> => ({
  *[Symbol.iterator]() {
    for (const item of items) {
      onNext()
      yield item
    }
    onNext()
  }
})

const failureOf = <E>(entry: Option.Option<Cause.Cause<E>> | undefined) =>
  entry === undefined ? undefined : Option.getOrUndefined(Option.flatMap(entry, Cause.failureOption))
const isInterruption = <E>(entry: Option.Option<Cause.Cause<E>> | undefined) =>
  entry !== undefined && Option.isSome(entry) && Cause.isInterruptedOnly(entry.value)

describe("rule 1: \"Attempt 0 is pulled and started at once.\"", () => {
  it.effect("attempt 0 starts at 0 ms, before any time passes, whatever the delay", () =>
    Effect.gen(function*() {
      const { attempt, log } = yield* recorder
      let pulls = 0
      const fiber = yield* Effect.fork(
        Stagger.staggeredRace(counted([attempt("c0", hang), attempt("c1", hang)], () => pulls++), { delay: 1000 })
      )
      yield* TestClock.adjust(0)
      expect(pulls).toBe(1)
      expect(yield* log).toEqual(["0 start c0"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("with delay null too: attempt 0 does not wait for anything", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(Stagger.staggeredRace([attempt("c0", ok(0))], { delay: null }), note, 10)
      expect(result.winnerIndex).toEqual(Option.some(0))
      expect(yield* log).toEqual(["0 start c0", "0 ok c0", "0 returned"])
    }))
})

describe("rule 2: \"Attempt i+1 is pulled and started when `delay` has passed since attempt i started, or as soon as attempt i fails, whichever comes first.\"", () => {
  it.effect("the delay passes: a start every `delay` ms, earlier attempts still running", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", hang), attempt("c1", hang), attempt("c2", ok(30))], { delay: 100 }),
        note,
        1000
      )
      expect(result.winnerIndex).toEqual(Option.some(2))
      const lines = yield* log
      expect(lines.slice(0, 4)).toEqual(["0 start c0", "100 start c1", "200 start c2", "230 ok c2"])
      expect(lines.slice(4, 6).sort()).toEqual(["230 interrupted c0", "230 interrupted c1"])
      expect(lines[6]).toBe("230 returned")
    }))

  it.effect("attempt i fails first: attempt i+1 starts at that moment, and the timer restarts from there", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", fail(30)), attempt("c1", fail(500)), attempt("c2", fail(5))], {
          delay: 100
        }),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.none())
      expect(yield* log).toEqual([
        "0 start c0",
        "30 fail c0",
        "30 start c1",
        "130 start c2",
        "135 fail c2",
        "530 fail c1",
        "530 returned"
      ])
    }))

  it.effect("attempt i fails at the moment its delay ends: attempt i+1 gets its own full delay", () =>
    Effect.gen(function*() {
      const { attempt, log } = yield* recorder
      // The failure and the timer of c0 are both due at 100. Whichever the loop sees first,
      // c1 starts at 100 and c2 waits for c1's delay, not for a timer set for c0.
      const fiber = yield* Effect.fork(
        Stagger.staggeredRace([attempt("c0", fail(100)), attempt("c1", hang), attempt("c2", hang)], { delay: 100 })
      )
      yield* TestClock.adjust(150)
      expect([...(yield* log)].sort()).toEqual(["0 start c0", "100 fail c0", "100 start c1"])
      yield* TestClock.adjust(50)
      expect((yield* log).slice(3)).toEqual(["200 start c2"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("\"Only the immediately preceding attempt's failure starts the next one early.\"", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      // c0 fails at 150, while c1 (started at 100) is still running: c2 still waits for 200.
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", fail(150)), attempt("c1", hang), attempt("c2", ok(10))], {
          delay: 100
        }),
        note,
        1000
      )
      expect(result.winnerIndex).toEqual(Option.some(2))
      expect((yield* log).slice(0, 6)).toEqual([
        "0 start c0",
        "100 start c1",
        "150 fail c0",
        "200 start c2",
        "210 ok c2",
        "210 interrupted c1"
      ])
    }))

  it.effect("an earlier attempt's failure after the next started changes nothing, even when it is the last", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulls = 0
      const result = yield* runFor(
        Stagger.staggeredRace(
          counted([attempt("c0", fail(120)), attempt("c1", fail(500)), attempt("c2", ok(1))], () => pulls++),
          { delay: 100 }
        ),
        note,
        1000
      )
      expect(result.winnerIndex).toEqual(Option.some(2))
      expect(yield* log).toEqual([
        "0 start c0",
        "100 start c1",
        "120 fail c0",
        "200 start c2",
        "201 ok c2",
        "201 interrupted c1",
        "201 returned"
      ])
      expect(pulls).toBe(3)
    }))

  it.effect("\"`delay: null` starts the next only on failure (one at a time)\"", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulls = 0
      const fiber = yield* Effect.fork(Effect.tap(
        Stagger.staggeredRace(
          counted([attempt("c0", fail(500)), attempt("c1", hang), attempt("c2", ok(0))], () => pulls++),
          { delay: null }
        ),
        () => note("returned")
      ))
      yield* TestClock.adjust(100_000)
      // c1 hangs, so c2 is never pulled nor started, and the race never returns.
      expect(yield* log).toEqual(["0 start c0", "500 fail c0", "500 start c1"])
      expect(pulls).toBe(2)
      expect(fiber.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(fiber)
      expect(yield* log).toEqual(["0 start c0", "500 fail c0", "500 start c1", "100000 interrupted c1"])
    }))

  it.effect("\"`delay: 0` starts all at once\"", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace(
          [attempt("c0", hang), attempt("c1", fail(5)), attempt("c2", ok(20)), attempt("c3", hang)],
          {
            delay: 0
          }
        ),
        note,
        1000
      )
      expect(result.winnerIndex).toEqual(Option.some(2))
      const lines = yield* log
      expect(lines.slice(0, 6)).toEqual([
        "0 start c0",
        "0 start c1",
        "0 start c2",
        "0 start c3",
        "5 fail c1",
        "20 ok c2"
      ])
      expect(lines.slice(6, 8).sort()).toEqual(["20 interrupted c0", "20 interrupted c3"])
      expect(lines[8]).toBe("20 returned")
      expect(failureOf(result.errors[1])).toBe("c1 failed")
    }))
})

describe("rule 3: \"The attempts are pulled lazily, one element at a time (an Iterable too: a generator is advanced once per attempt), and never after a win.\"", () => {
  it.effect("a generator is advanced once per attempt, when the attempt is due", () =>
    Effect.gen(function*() {
      const { attempt, log } = yield* recorder
      let pulls = 0
      const items = [attempt("c0", hang), attempt("c1", ok(50)), attempt("c2", hang), attempt("c3", hang)]
      const fiber = yield* Effect.fork(Stagger.staggeredRace(counted(items, () => pulls++), { delay: 100 }))
      yield* TestClock.adjust(0)
      expect(pulls).toBe(1)
      yield* TestClock.adjust(99)
      expect(pulls).toBe(1)
      yield* TestClock.adjust(1)
      expect(pulls).toBe(2)
      yield* TestClock.adjust(1000)
      // c1 won at 150: the third element, due at 200, is never asked for.
      expect(pulls).toBe(2)
      const result = yield* Fiber.join(fiber)
      expect(result.winnerIndex).toEqual(Option.some(1))
      expect(result.errors).toHaveLength(2)
      expect((yield* log).slice(0, 3)).toEqual(["0 start c0", "100 start c1", "150 ok c1"])
    }))

  it.effect("a generator that runs out is advanced once more, to learn that it has", () =>
    Effect.gen(function*() {
      const { attempt, note } = yield* recorder
      let pulls = 0
      const result = yield* runFor(
        Stagger.staggeredRace(counted([attempt("c0", fail(1)), attempt("c1", fail(1))], () => pulls++), {
          delay: 100
        }),
        note,
        1000
      )
      expect(result.errors).toHaveLength(2)
      expect(pulls).toBe(3)
    }))

  it.effect("with delay null, an attempt that wins at once ends the pulling: the next is neither pulled nor started", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulls = 0
      const result = yield* runFor(
        Stagger.staggeredRace(counted([attempt("c0", ok(0)), attempt("c1", ok(0))], () => pulls++), { delay: null }),
        note,
        10
      )
      expect(result.winnerIndex).toEqual(Option.some(0))
      expect(result.errors).toHaveLength(1)
      expect(pulls).toBe(1)
      expect(yield* log).toEqual(["0 start c0", "0 ok c0", "0 returned"])
    }))

  it.effect("a Stream is pulled one element per attempt, never after a win", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulls = 0
      const scripts = [hang, fail(20), ok(30), hang, hang]
      const attempts = Stream.repeatEffect(Effect.sync(() => {
        const index = pulls++
        return attempt(`c${index}`, scripts[index] ?? hang)
      }))
      const result = yield* runFor(Stagger.staggeredRace(attempts, { delay: 100 }), note, 1000)
      expect(result.winnerIndex).toEqual(Option.some(2))
      expect(pulls).toBe(3)
      expect((yield* log).slice(0, 5)).toEqual([
        "0 start c0",
        "100 start c1",
        "120 fail c1",
        "120 start c2",
        "150 ok c2"
      ])
    }))

  it.effect("an element that is not ready when due starts as soon as it arrives, not `delay` later", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      // The second element becomes available at 130 ms (like a late DNS answer); it is due at 100.
      const ready = yield* Deferred.make<void>()
      yield* Effect.fork(Effect.zipRight(Effect.sleep(130), Deferred.succeed(ready, undefined)))
      const attempts = Stream.concat(
        Stream.make(attempt("c0", hang)),
        Stream.fromEffect(Effect.as(Deferred.await(ready), attempt("c1", hang))).pipe(
          Stream.concat(Stream.make(attempt("c2", ok(5))))
        )
      )
      const result = yield* runFor(Stagger.staggeredRace(attempts, { delay: 100 }), note, 1000)
      expect(result.winnerIndex).toEqual(Option.some(2))
      // c1 starts when it arrives (130); c2 is due 100 ms after c1 started (230).
      expect((yield* log).slice(0, 4)).toEqual(["0 start c0", "130 start c1", "230 start c2", "235 ok c2"])
    }))

  it.effect("an element ready early is still not taken before it is due", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulledAt: number | undefined
      const attempts = Stream.concat(
        Stream.make(attempt("c0", hang)),
        Stream.fromEffect(Effect.map(Clock.currentTimeMillis, (now) => {
          pulledAt = now
          return attempt("c1", ok(1))
        }))
      )
      const result = yield* runFor(Stagger.staggeredRace(attempts, { delay: 100 }), note, 1000)
      expect(result.winnerIndex).toEqual(Option.some(1))
      expect(pulledAt).toBe(100)
      expect((yield* log).slice(0, 3)).toEqual(["0 start c0", "100 start c1", "101 ok c1"])
    }))

  it.effect("a win while the next element is awaited ends the race at once (the source stays unread)", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const attempts = Stream.concat(Stream.make(attempt("c0", ok(150))), Stream.never)
      const result = yield* runFor(Stagger.staggeredRace(attempts, { delay: 100 }), note, 1000)
      expect(result).toEqual({
        winner: Option.some("c0"),
        winnerIndex: Option.some(0),
        errors: [Option.none()],
        sourceError: Option.none()
      })
      expect(yield* log).toEqual(["0 start c0", "150 ok c0", "150 returned"])
    }))
})

describe("rule 4: \"The first attempt to succeed wins. Every other running attempt is interrupted, and their finalizers have all run before `staggeredRace` returns. Their `errors` entries hold the interruption.\"", () => {
  it.effect("the losers' finalizers (5 ms each) have run when the race returns", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace([
          attempt("c0", { hang: true, cleanup: 5 }),
          attempt("c1", { hang: true, cleanup: 5 }),
          attempt("c2", ok(10))
        ], { delay: 100 }),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.some("c2"))
      expect(result.winnerIndex).toEqual(Option.some(2))
      expect(result.errors).toHaveLength(3)
      expect(isInterruption(result.errors[0])).toBe(true)
      expect(isInterruption(result.errors[1])).toBe(true)
      expect(result.errors[2]).toEqual(Option.none())
      expect(result.sourceError).toEqual(Option.none())
      const lines = yield* log
      expect(lines.slice(0, 4)).toEqual(["0 start c0", "100 start c1", "200 start c2", "210 ok c2"])
      expect(lines.slice(4, 6).sort()).toEqual(["215 interrupted c0", "215 interrupted c1"])
      expect(lines[6]).toBe("215 returned")
    }))

  it.effect("the first to succeed wins, not the first started: a later, faster attempt beats a slow one", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", ok(300)), attempt("c1", ok(50))], { delay: 100 }),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.some("c1"))
      expect(isInterruption(result.errors[0])).toBe(true)
      expect(yield* log).toEqual(["0 start c0", "100 start c1", "150 ok c1", "150 interrupted c0", "150 returned"])
    }))

  it.effect("a failed attempt keeps its failure, not an interruption", () =>
    Effect.gen(function*() {
      const { attempt, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", fail(10)), attempt("c1", hang), attempt("c2", ok(1))], { delay: 50 }),
        note,
        1000
      )
      expect(failureOf(result.errors[0])).toBe("c0 failed")
      expect(isInterruption(result.errors[1])).toBe(true)
      expect(result.errors[2]).toEqual(Option.none())
    }))

  it.effect("two successes in the same instant: exactly one winner, the other an interruption", () =>
    Effect.gen(function*() {
      const { attempt, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", ok(10)), attempt("c1", ok(10))], { delay: 0 }),
        note,
        1000
      )
      const index = Option.getOrThrow(result.winnerIndex)
      expect(result.winner).toEqual(Option.some(`c${index}`))
      expect(result.errors[index]).toEqual(Option.none())
      expect(isInterruption(result.errors[1 - index])).toBe(true)
    }))

  it.effect("an attempt that succeeds in the step after the win, before it could be cancelled, is a loser", () =>
    Effect.gen(function*() {
      const { log, note } = yield* recorder
      // Both wait on one Deferred, so both resume in the same step, c0 first; c1 then
      // succeeds before the race's own fiber has run to cancel it.
      const go = yield* Deferred.make<void>()
      const attempt = (name: string) =>
        Effect.zipRight(note(`start ${name}`), Effect.as(Deferred.await(go), name)).pipe(
          Effect.tap(() => note(`ok ${name}`))
        )
      yield* Effect.fork(Effect.zipRight(Effect.sleep(50), Deferred.succeed(go, undefined)))
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0"), attempt("c1")], { delay: 10 }),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.some("c0"))
      expect(result.errors[0]).toEqual(Option.none())
      expect(isInterruption(result.errors[1])).toBe(true)
      expect(yield* log).toEqual(["0 start c0", "10 start c1", "50 ok c0", "50 ok c1", "50 returned"])
    }))
})

describe("rule 5: \"A failing stream ends the pulling; `sourceError` holds its cause, even when an attempt wins. Attempts already running go on and may still win.\"", () => {
  it.effect("the stream fails at 100 ms; c0, already running, wins at 300 ms", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stagger.staggeredRace(Stream.concat(Stream.make(attempt("c0", ok(300))), Stream.fail("no more")), {
          delay: 100
        }),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.some("c0"))
      expect(result.errors).toEqual([Option.none()])
      expect(Option.map(result.sourceError, Cause.failures).pipe(Option.map((c) => Array.from(c)))).toEqual(
        Option.some(["no more"])
      )
      expect(yield* log).toEqual(["0 start c0", "300 ok c0", "300 returned"])
    }))

  it.effect("nothing is pulled after the failure, and the race waits for the attempts still running", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulled = 0
      const attempts = Stream.concat(
        Stream.concat(Stream.make(attempt("c0", fail(250))), Stream.fail("broken")),
        Stream.fromEffect(Effect.sync(() => {
          pulled++
          return attempt("never", ok(0))
        }))
      )
      const result = yield* runFor(Stagger.staggeredRace(attempts, { delay: 0 }), note, 1000)
      expect(pulled).toBe(0)
      expect(result.winner).toEqual(Option.none())
      expect(failureOf(result.errors[0])).toBe("c0 failed")
      expect(Option.map(result.sourceError, (c) => Array.from(Cause.failures(c)))).toEqual(Option.some(["broken"]))
      expect(yield* log).toEqual(["0 start c0", "250 fail c0", "250 returned"])
    }))

  // Regression: `Stream.map` (and `Stream.toPull`) re-raise only the first failure of a parallel
  // Cause, so the race must catch the source's failure before any mapping (fixed in 0d45e92).
  it.effect("a parallel Cause with two failures is kept whole (Cause.failures lists both)", () =>
    Effect.gen(function*() {
      const both = Cause.parallel(Cause.fail("first"), Cause.fail("second"))
      // The Cause really is whole at the source: catching it there sees both failures.
      const atSource = yield* Stream.fromChannel(Channel.failCause(both)).pipe(
        Stream.catchAllCause((cause) => Stream.make(Array.from(Cause.failures(cause)))),
        Stream.runCollect
      )
      expect(Array.from(atSource)).toEqual([["first", "second"]])
      const result = yield* Stagger.staggeredRace(
        Stream.fromChannel<Effect.Effect<string, string>, string, never>(Channel.failCause(both)),
        { delay: 100 }
      )
      expect(result.errors).toEqual([])
      expect(Option.map(result.sourceError, (c) => Array.from(Cause.failures(c)))).toEqual(
        Option.some(["first", "second"])
      )
    }))

  it.effect("a generator that throws is a source failing with the defect; the running attempt still wins", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const boom = new Error("generator broke")
      const attempts: Iterable<Effect.Effect<string, string>> = {
        *[Symbol.iterator]() {
          yield attempt("c0", ok(300))
          throw boom
        }
      }
      const result = yield* runFor(Stagger.staggeredRace(attempts, { delay: 100 }), note, 1000)
      expect(result.winner).toEqual(Option.some("c0"))
      expect(result.errors).toEqual([Option.none()])
      expect(Option.flatMap(result.sourceError, Cause.dieOption)).toEqual(Option.some(boom))
      expect(yield* log).toEqual(["0 start c0", "300 ok c0", "300 returned"])
    }))
})

describe("rule 6: \"Interrupting `staggeredRace` interrupts every running attempt and awaits their finalizers.\"", () => {
  it.effect("interrupted at 250 ms: all three running attempts close (5 ms each) before the interrupt completes", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      let pulls = 0
      const fiber = yield* Effect.fork(
        Stagger.staggeredRace(
          counted([0, 1, 2, 3].map((i) => attempt(`c${i}`, { hang: true, cleanup: 5 })), () => pulls++),
          { delay: 100 }
        )
      )
      yield* TestClock.adjust(250)
      const interrupting = yield* Effect.fork(Effect.zipRight(Fiber.interrupt(fiber), note("interrupt done")))
      yield* TestClock.adjust(1000)
      yield* Fiber.join(interrupting)
      const lines = yield* log
      expect(lines.slice(0, 3)).toEqual(["0 start c0", "100 start c1", "200 start c2"])
      expect(lines.slice(3, 6).sort()).toEqual(["255 interrupted c0", "255 interrupted c1", "255 interrupted c2"])
      expect(lines.slice(6)).toEqual(["255 interrupt done"])
      expect(pulls).toBe(3)
      expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
    }))

  it.effect("interrupted while it waits for the stream's next element: the running attempt closes too", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const fiber = yield* Effect.fork(
        Stagger.staggeredRace(Stream.concat(Stream.make(attempt("c0", hang)), Stream.never), { delay: 100 })
      )
      yield* TestClock.adjust(150)
      yield* Fiber.interrupt(fiber)
      yield* note("interrupt done")
      expect(yield* log).toEqual(["0 start c0", "150 interrupted c0", "150 interrupt done"])
    }))
})

describe("rule 7: \"No attempts at all: `{ winner: None, winnerIndex: None, errors: [], sourceError: None }`.\"", () => {
  const empty = { winner: Option.none(), winnerIndex: Option.none(), errors: [], sourceError: Option.none() }
  const none: ReadonlyArray<Effect.Effect<string, string>> = []

  it.effect("an empty array", () =>
    Effect.gen(function*() {
      expect(yield* Stagger.staggeredRace(none, { delay: 100 })).toEqual(empty)
    }))

  it.effect("an empty generator", () =>
    Effect.gen(function*() {
      let pulls = 0
      expect(yield* Stagger.staggeredRace(counted(none, () => pulls++), { delay: null })).toEqual(empty)
      expect(pulls).toBe(1)
    }))

  it.effect("an empty Stream, and one that is empty only after a while", () =>
    Effect.gen(function*() {
      const { note } = yield* recorder
      expect(yield* Stagger.staggeredRace(Stream.fromIterable(none), { delay: 0 })).toEqual(empty)
      const late = Stream.concat(Stream.fromEffect(Effect.sleep(40)).pipe(Stream.drain), Stream.fromIterable(none))
      expect(yield* runFor(Stagger.staggeredRace(late, { delay: 100 }), note, 100)).toEqual(empty)
    }))
})

describe("rule 8: \"A negative delay counts as 0 and an infinite one as `null`, as Effect's `Duration` reads them.\"", () => {
  for (const delay of [-100, "-5 millis", Duration.zero] as const) {
    it.effect(`delay ${String(delay)}: all at once`, () =>
      Effect.gen(function*() {
        const { attempt, log, note } = yield* recorder
        const result = yield* runFor(
          Stagger.staggeredRace([attempt("c0", hang), attempt("c1", hang), attempt("c2", ok(7))], { delay }),
          note,
          100
        )
        expect(result.winnerIndex).toEqual(Option.some(2))
        expect((yield* log).slice(0, 4)).toEqual(["0 start c0", "0 start c1", "0 start c2", "7 ok c2"])
      }))
  }

  // Past the longest timer a runtime keeps (2^31 - 1 ms), a delay is as good as infinite:
  // 1e308 ms died with a RangeError (Infinity to BigInt) before.
  for (const delay of [Duration.infinity, Infinity, 1e308, Number.MAX_VALUE, "30 days"] as const) {
    it.effect(`delay ${String(delay)}: one at a time, as null`, () =>
      Effect.gen(function*() {
        const { attempt, log, note } = yield* recorder
        let pulls = 0
        const fiber = yield* Effect.fork(
          Stagger.staggeredRace(
            counted([attempt("c0", fail(500)), attempt("c1", hang), attempt("c2", ok(0))], () => pulls++),
            { delay }
          )
        )
        yield* TestClock.adjust(100_000)
        expect(yield* log).toEqual(["0 start c0", "500 fail c0", "500 start c1"])
        expect(pulls).toBe(2)
        yield* Fiber.interrupt(fiber)
        yield* note("interrupted")
        expect((yield* log).slice(3)).toEqual(["100000 interrupted c1", "100000 interrupted"])
      }))
  }
})

describe("a delay that is no duration", () => {
  it.effect("is an IllegalArgumentException inside the Effect, not a throw when it is built", () =>
    Effect.gen(function*() {
      const { attempt } = yield* recorder
      let started = 0
      const race = Stagger.staggeredRace([Effect.suspend(() => {
        started++
        return attempt("c0", ok(1))
      })], { delay: "abc" as Duration.DurationInput })
      const exit = yield* Effect.exit(race)
      expect(exit).toEqual(Exit.die(new Cause.IllegalArgumentException("delay is not a duration: \"abc\"")))
      expect(started).toBe(0)
    }))
})

describe("the two forms and the total outcome", () => {
  const originalExample = (attempt: (name: string, script: Script) => Effect.Effect<string, string>) => [
    attempt("c0", fail(100)),
    attempt("c1", hang),
    attempt("c2", ok(50))
  ]
  const expected = [
    "0 start c0",
    "100 fail c0",
    "100 start c1",
    "400 start c2",
    "450 ok c2",
    "450 interrupted c1",
    "450 returned"
  ]

  it.effect("data-first: staggeredRace(attempts, { delay })", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(Stagger.staggeredRace(originalExample(attempt), { delay: 300 }), note, 1000)
      expect(result.winner).toEqual(Option.some("c2"))
      expect(yield* log).toEqual(expected)
    }))

  it.effect("data-last: attempts.pipe(staggeredRace({ delay }))", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(pipe(originalExample(attempt), Stagger.staggeredRace({ delay: 300 })), note, 1000)
      expect(result.winner).toEqual(Option.some("c2"))
      expect(yield* log).toEqual(expected)
    }))

  it.effect("data-last over a Stream", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      const result = yield* runFor(
        Stream.fromIterable(originalExample(attempt)).pipe(Stagger.staggeredRace({ delay: 300 })),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.some("c2"))
      expect(yield* log).toEqual(expected)
    }))

  it.effect("all attempts fail: no winner, every error in start order (not in the order they failed)", () =>
    Effect.gen(function*() {
      const { attempt, log, note } = yield* recorder
      // c0 fails last (250); c1 fails at 120, which starts c2 at once; c2 fails at 130.
      const result = yield* runFor(
        Stagger.staggeredRace([attempt("c0", fail(250)), attempt("c1", fail(20)), attempt("c2", fail(10))], {
          delay: 100
        }),
        note,
        1000
      )
      expect(result.winner).toEqual(Option.none())
      expect(result.winnerIndex).toEqual(Option.none())
      expect(result.errors.map(failureOf)).toEqual(["c0 failed", "c1 failed", "c2 failed"])
      expect(result.sourceError).toEqual(Option.none())
      expect(yield* log).toEqual([
        "0 start c0",
        "100 start c1",
        "120 fail c1",
        "120 start c2",
        "130 fail c2",
        "250 fail c0",
        "250 returned"
      ])
    }))
})

describe("rule 5, one layer up: connectWith's source is the resolver", () => {
  // A regression test: connectWith once mapped the resolver's stream (`Stream.tap`, `Stream.map`
  // into pairs and attempts) before `staggeredRace` saw it, and `Stream.map` keeps only the
  // first failure of a parallel Cause, so "no A" was lost here.
  it.effect("a resolver failing with a parallel Cause (raiseExcGroup) reaches the caller whole", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(HappyEyeballs.connectWith({
        host: "example.test",
        port: 80,
        dial: () => Effect.succeed("connected"),
        raiseExcGroup: true,
        resolver: (host, port, options) => Resolver.concurrentResolver(host, port, { ...options, raiseExcGroup: true })
      })))
      const failures = Exit.isFailure(exit) ? Array.from(Cause.failures(exit.cause), (e) => e.message) : []
      expect(failures).toEqual(["no AAAA", "no A"])
    }).pipe(Effect.provide(lookups({ 6: { after: 0, error: "no AAAA" }, 4: { after: 0, error: "no A" } }))))
})
