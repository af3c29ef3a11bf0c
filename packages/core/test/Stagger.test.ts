import { Stagger } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"

/** A scripted attempt: records its start, end and finalizer times in a shared log. */
type Outcome = { readonly after: number; readonly result: "ok" | "fail" } | "hang"

const recorder = Effect.gen(function*() {
  const log = yield* Ref.make<Array<string>>([])
  const note = (line: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(log, (l) => [...l, `${now} ${line}`]))
  const attempt = (name: string, outcome: Outcome) =>
    Effect.gen(function*() {
      yield* note(`start ${name}`)
      if (outcome === "hang") return yield* Effect.never
      yield* Effect.sleep(outcome.after)
      if (outcome.result === "fail") return yield* Effect.fail(`${name} failed`)
      return name
    }).pipe(Effect.onInterrupt(() => note(`interrupted ${name}`)))
  return { log: Ref.get(log), note, attempt }
})

const run = <A, E>(effect: Effect.Effect<A, E>, millis: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(millis)
    return yield* Fiber.join(fiber)
  })

const failureOf = <E>(entry: Option.Option<Cause.Cause<E>>) =>
  Option.flatMap(entry, Cause.failureOption).pipe(Option.getOrUndefined)
const isInterrupted = <E>(entry: Option.Option<Cause.Cause<E>>) =>
  Option.isSome(entry) && Cause.isInterruptedOnly(entry.value)

describe("Stagger.staggeredRace", () => {
  it.effect("reproduces async_stagger's example: early start on failure, stagger, cancel", () =>
    Effect.gen(function*() {
      const { attempt, log } = yield* recorder
      const result = yield* run(
        Stagger.staggeredRace([
          attempt("c0", { after: 100, result: "fail" }),
          attempt("c1", "hang"),
          attempt("c2", { after: 50, result: "ok" })
        ], { delay: 300 }),
        1000
      )
      expect(result.winner).toEqual(Option.some("c2"))
      expect(result.winnerIndex).toEqual(Option.some(2))
      expect(result.errors).toHaveLength(3)
      expect(failureOf(result.errors[0])).toBe("c0 failed")
      expect(isInterrupted(result.errors[1])).toBe(true)
      expect(result.errors[2]).toEqual(Option.none())
      expect(result.sourceError).toEqual(Option.none())
      expect(yield* log).toEqual(["0 start c0", "100 start c1", "400 start c2", "450 interrupted c1"])
    }))
})
