/**
 * The staggered race.
 *
 * Problem: a connection attempt to an address that silently drops packets hangs for tens of
 * seconds, and trying the addresses one after another waits out every such hang. Starting them
 * all at once fixes the latency but floods the network and the server.
 *
 * Approach (RFC 8305 section 5, async_stagger's `staggered_race`): pull an attempt, start it in
 * a fiber, then wait with `Effect.raceAll` for whichever comes first of [this attempt ends,
 * the delay passes]; repeat until no attempt is left, then wait for every attempt to end. That
 * loop is itself raced with [some attempt wins], which ends it wherever it waits: for an
 * attempt, for the delay, or for the source's next attempt. Every started attempt keeps running
 * until the race is decided; then every loser is interrupted at once and awaited, so that their
 * finalizers have run when the race returns.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Stagger from "../Stagger.js"
import * as validate from "./validate.js"

/** The next attempt, `None` once there are no more; its failure is the source's. */
export interface Source<A, E2, R2> {
  readonly pull: Effect.Effect<Option.Option<A>, E2, R2>
}

/** A generator is advanced once per attempt; a throw from it is a defect of the source. */
export const fromIterable = <A>(iterable: Iterable<A>): Effect.Effect<Source<A, never, never>> =>
  Effect.sync(() => {
    const iterator = iterable[Symbol.iterator]()
    const pull = Effect.sync(() => {
      const next = iterator.next()
      return next.done ? Option.none<A>() : Option.some(next.value)
    })
    return { pull }
  })

/** The source's failure, carried as an element past `Stream.toPull`. */
class SourceFailure<E2> {
  constructor(readonly cause: Cause.Cause<E2>) {}
}

/**
 * A Stream is pulled a chunk at a time and handed out an element at a time. Its failure is
 * caught on the stream itself and carried as an element, because `Stream.toPull` (and even
 * `Stream.map`) keep only the first failure of a parallel Cause, and `sourceError` must hold
 * all of it.
 */
export const fromStream = <A, E2, R2>(
  stream: Stream.Stream<A, E2, R2>
): Effect.Effect<Source<A, E2, R2>, never, R2 | Scope.Scope> =>
  Effect.map(
    Stream.toPull(Stream.catchAllCause(stream, (cause) => Stream.make(new SourceFailure(cause)))),
    (pullChunk) => {
      let buffer = Chunk.empty<A | SourceFailure<E2>>()
      const pull: Effect.Effect<Option.Option<A>, E2, R2> = Effect.suspend(() => {
        if (Chunk.isNonEmpty(buffer)) {
          const head = Chunk.headNonEmpty(buffer)
          buffer = Chunk.drop(buffer, 1)
          return head instanceof SourceFailure ? Effect.failCause(head.cause) : Effect.succeedSome(head)
        }
        return Effect.matchEffect(pullChunk, {
          onFailure: () => Effect.succeedNone,
          onSuccess: (chunk) => {
            buffer = chunk
            return pull
          }
        })
      })
      return { pull }
    }
  )

/** @internal */
export const isStream = (u: unknown): u is Stream.Stream<unknown, unknown, unknown> =>
  Predicate.hasProperty(u, Stream.StreamTypeId)

/**
 * Runs in the winner's fiber the moment it has won, before any loser is interrupted: what a
 * caller reports as "connected" is then told before the losers' cancellations.
 */
export type OnWin<A> = (value: A, index: number) => Effect.Effect<void>

export const race = <A, E, R, E2, R2>(
  source: Source<Effect.Effect<A, E, R>, E2, R2>,
  delay: Option.Option<Duration.Duration>,
  onWin?: OnWin<A>
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> =>
  Effect.suspend(() => {
    // Every started attempt, in start order; only the loop adds to it.
    const fibers: Array<Fiber.RuntimeFiber<A, E>> = []
    // The attempts' fibers live in a scope of the race, not in the loop's fiber: they outlive
    // the loop, which a win interrupts.
    return Effect.acquireUseRelease(Scope.make(), (attempts) =>
      Effect.gen(function*() {
        // The winner's index: claimed once, by the first attempt to succeed.
        const winner = yield* Ref.make(Option.none<number>())
        // Completed once the winner has been told: "some attempt wins".
        const won = yield* Deferred.make<void>()
        let sourceError = Option.none<Cause.Cause<E2>>()

        // An attempt that succeeds after another has won is a loser: it interrupts itself.
        const claim = (value: A, index: number) =>
          Effect.flatMap(
            Ref.modify(winner, (w) => Option.isNone(w) ? [true, Option.some(index)] : [false, w]),
            (first) =>
              first
                ? Effect.as(
                  Effect.ensuring(onWin?.(value, index) ?? Effect.void, Deferred.succeed(won, undefined)),
                  value
                )
                : Effect.interrupt
          )
        // Forked and recorded in one uninterruptible step, so that no attempt escapes the record.
        const start = (attempt: Effect.Effect<A, E, R>, index: number) =>
          Effect.uninterruptible(Effect.map(
            Effect.forkIn(Effect.flatMap(Effect.interruptible(attempt), (value) => claim(value, index)), attempts),
            (fiber) => fibers[fibers.push(fiber) - 1]
          ))
        // Waits for this attempt's end or the delay less `late`; says whether the delay passed.
        const nanos = Option.match(delay, { onNone: () => BigInt(0), onSome: Duration.unsafeToNanos })
        const wait = (fiber: Fiber.Fiber<A, E>, late: bigint) =>
          Option.isNone(delay) ?
            Effect.as(Fiber.await(fiber), false) :
            nanos === BigInt(0) ?
            Effect.succeed(false) :
            Effect.raceAll([
              Effect.as(Fiber.await(fiber), false),
              Effect.as(Effect.sleep(Duration.nanos(late < nanos ? nanos - late : BigInt(0))), true)
            ])

        // The loop may wake late for the delay (a timer fires late on a busy machine, and the loop
        // takes steps of its own): the next delay is shortened by as much, so that lateness does
        // not add up over the attempts. Waiting for the next element is not lateness (rule 3).
        const loop = Effect.gen(function*() {
          let late = BigInt(0)
          while (true) {
            const pulled = yield* Effect.exit(source.pull)
            if (Exit.isFailure(pulled)) sourceError = Option.some(pulled.cause)
            // The win interrupts the loop, but maybe only after this step: no attempt starts after it.
            if (Exit.isFailure(pulled) || Option.isNone(pulled.value) || (yield* Deferred.isDone(won))) break
            const fiber = yield* start(pulled.value.value, fibers.length)
            const due = (yield* Clock.currentTimeNanos) + nanos - late
            const expired = yield* wait(fiber, late)
            if (yield* Deferred.isDone(won)) break
            late = expired ? (yield* Clock.currentTimeNanos) - due : BigInt(0)
          }
          // Nothing more will start: every attempt's end, unless a win comes first.
          yield* Fiber.awaitAll(fibers)
        })
        // A win ends the loop wherever it waits: for an attempt, the delay or the next attempt.
        yield* Effect.raceFirst(loop, Deferred.await(won))

        const index = yield* Ref.get(winner)
        yield* Fiber.interruptAll(fibers.filter((_, i) => Option.getOrUndefined(index) !== i))
        const exits = yield* Effect.forEach(fibers, Fiber.await)
        return {
          winner: Option.flatMap(index, (i) => Exit.getOrElse(Exit.map(exits[i], Option.some), Option.none)),
          winnerIndex: index,
          errors: exits.map((exit) => Exit.isFailure(exit) ? Option.some(exit.cause) : Option.none()),
          sourceError
        }
      }).pipe(
        // Interrupted from outside: every running attempt is interrupted at once and awaited.
        Effect.onInterrupt(() => Fiber.interruptAll(fibers))
      ), (scope, exit) => Scope.close(scope, exit))
  })

/** @internal */
export const staggeredRace = <A, E, R, E2 = never, R2 = never>(
  attempts: Stream.Stream<Effect.Effect<A, E, R>, E2, R2> | Iterable<Effect.Effect<A, E, R>>,
  options: { readonly delay: Duration.DurationInput | null }
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> =>
  Effect.suspend(() => {
    const delay = validate.raceDelay(options.delay)
    if (Either.isLeft(delay)) return Effect.die(delay.left)
    if (!isStream(attempts)) {
      return Effect.flatMap(fromIterable(attempts), (source) => race(source, delay.right))
    }
    // The stream's pull lives in a scope of its own, closed when the race ends.
    return Effect.acquireUseRelease(
      Scope.make(),
      (scope) => Effect.flatMap(Scope.extend(fromStream(attempts), scope), (source) => race(source, delay.right)),
      (scope, exit) => Scope.close(scope, exit)
    )
  })
