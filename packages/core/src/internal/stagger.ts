/**
 * The staggered race.
 *
 * Problem: a connection attempt to an address that silently drops packets hangs for tens of
 * seconds, and trying the addresses one after another waits out every such hang. Starting them
 * all at once fixes the latency but floods the network and the server.
 *
 * Approach (RFC 8305 section 5, async_stagger's `staggered_race`): start attempt 0; then start
 * the next one when the previous one fails or when `delay` has passed since the previous one
 * started, whichever is first, while every started attempt keeps running. The first success
 * wins and the others are interrupted. It is one short loop: start attempt i, wait until it
 * fails, someone wins or the delay passes, pull the next, go on.
 *
 * Each attempt runs in a fiber of its own; the fibers themselves are the record of what
 * happened (their exits become `errors`), and a `Deferred` holds the winner's index.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type * as Stagger from "../Stagger.js"

/** The race's result, without the winner: what `connectWith` aggregates when nothing won. */
export interface Result<E, E2> {
  readonly errors: ReadonlyArray<Option.Option<Cause.Cause<E>>>
  readonly sourceError: Option.Option<Cause.Cause<E2>>
}

/**
 * Pulls the next attempt: `None` when the source is exhausted. Its failure is the source's.
 */
export type Pull<A, E2, R2> = Effect.Effect<Option.Option<A>, E2, R2>

/** A generator is advanced once per attempt; a throw from it is a defect of the source. */
const pullIterable = <A>(iterable: Iterable<A>): Effect.Effect<Pull<A, never, never>> =>
  Effect.sync(() => {
    const iterator = iterable[Symbol.iterator]()
    return Effect.sync(() => {
      const next = iterator.next()
      return next.done ? Option.none() : Option.some(next.value)
    })
  })

/** The source's failure, carried as an element past `Stream.toPull`. */
class SourceFailure<E2> {
  constructor(readonly cause: Cause.Cause<E2>) {}
}

/**
 * Streams are pulled a chunk at a time and handed out an element at a time. The source's
 * failure travels as an element, caught on the source itself: `Stream.toPull` (and even
 * `Stream.map`) keep only the first failure of a parallel Cause, and `sourceError` must hold
 * all of it.
 */
const pullStream = <A, E2, R2>(stream: Stream.Stream<A, E2, R2>) =>
  Effect.map(
    Stream.toPull(Stream.catchAllCause(stream, (cause) => Stream.make(new SourceFailure(cause)))),
    (pullChunk): Pull<A, E2, R2> => {
      let buffer: Chunk.Chunk<A | SourceFailure<E2>> = Chunk.empty()
      const pull: Pull<A, E2, R2> = Effect.suspend(() => {
        if (Chunk.isNonEmpty(buffer)) {
          const head = Chunk.headNonEmpty(buffer)
          buffer = Chunk.drop(buffer, 1)
          return head instanceof SourceFailure ? Effect.failCause(head.cause) : Effect.succeedSome(head)
        }
        return pullChunk.pipe(
          Effect.matchEffect({
            onFailure: () => Effect.succeedNone,
            onSuccess: (chunk) => {
              buffer = chunk
              return pull
            }
          })
        )
      })
      return pull
    }
  )

/** `None` means "only when the previous attempt fails". */
export const decodeDelay = (delay: Duration.DurationInput | null): Option.Option<Duration.Duration> => {
  if (delay === null) return Option.none()
  const duration = Duration.decode(delay)
  return Duration.isFinite(duration) ? Option.some(duration) : Option.none()
}

/** @internal */
export const isStream = (u: unknown): u is Stream.Stream<unknown, unknown, unknown> =>
  Predicate.hasProperty(u, Stream.StreamTypeId)

export const race = <A, E, R, E2, R2>(
  pull: Pull<Effect.Effect<A, E, R>, E2, R2>,
  delay: Option.Option<Duration.Duration>,
  isSync: boolean
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> =>
  Effect.suspend(() => {
    const fibers: Array<Fiber.RuntimeFiber<A, E>> = []
    return Effect.gen(function*() {
      const winner = yield* Deferred.make<number>()
      const won = Deferred.await(winner)
      let sourceError: Option.Option<Cause.Cause<E2>> = Option.none()
      let startedAt = BigInt(0)

      // The attempt that completes the Deferred first wins. An attempt that succeeds after
      // another has won (possible only when both finish in the same tick) is a loser: it
      // interrupts itself, so its entry in `errors` is an interruption like every other
      // loser's.
      const start = (attempt: Effect.Effect<A, E, R>, index: number) =>
        Effect.interruptible(attempt).pipe(
          Effect.tap(() =>
            Effect.flatMap(Deferred.succeed(winner, index), (first) => first ? Effect.void : Effect.interrupt)
          ),
          Effect.fork,
          // Recorded in the same uninterruptible step that forks it, so no fiber escapes.
          Effect.tap((fiber) => {
            fibers.push(fiber)
          }),
          Effect.uninterruptible
        )

      // Waits until attempt i has failed, any attempt has won, or the delay has passed.
      // The delay runs from the attempt's start, not from when the wait begins, so that the
      // loop's own work does not push every later attempt back.
      const waitAfter = (fiber: Fiber.RuntimeFiber<A, E>, startedAt: bigint) => {
        if (Option.isSome(delay) && Duration.lessThanOrEqualTo(delay.value, Duration.zero)) {
          return Effect.yieldNow()
        }
        const done = Effect.raceFirst(Effect.asVoid(Fiber.await(fiber)), won)
        if (Option.isNone(delay)) return done
        const due = startedAt + Duration.toNanos(delay.value).pipe(Option.getOrElse(() => BigInt(0)))
        return Effect.flatMap(Clock.currentTimeNanos, (now) =>
          now >= due ? Effect.void : Effect.raceFirst(done, Effect.sleep(Duration.nanos(due - now))))
      }

      // A source that blocks (a resolver waiting for an answer) gives way to a win.
      const next: Pull<Effect.Effect<A, E, R>, E2, R2> = isSync ?
        pull :
        Effect.raceFirst(pull, Effect.as(won, Option.none()))

      while (true) {
        if (fibers.length > 0) {
          // Let the attempt just started run first: one that ends at once (refused, or
          // connected) then needs no timer and no racing fibers.
          const previous = fibers[fibers.length - 1]
          if (previous.unsafePoll() === null) {
            yield* Effect.yieldNow()
          }
          if (previous.unsafePoll() === null) {
            yield* waitAfter(previous, startedAt)
          }
        }
        if (yield* Deferred.isDone(winner)) {
          break
        }
        const exit = yield* Effect.exit(next)
        if (Exit.isFailure(exit)) {
          sourceError = Option.some(exit.cause)
          break
        }
        if (Option.isNone(exit.value) || (yield* Deferred.isDone(winner))) {
          break
        }
        startedAt = yield* Clock.currentTimeNanos
        yield* start(exit.value.value, fibers.length)
      }

      // No more attempts will start: wait for a winner or for every attempt to end.
      if (fibers.length > 0 && !(yield* Deferred.isDone(winner))) {
        yield* Effect.raceFirst(won, Effect.asVoid(Fiber.awaitAll(fibers)))
      }
      yield* Fiber.interruptAll(fibers)

      const winnerIndex = yield* Deferred.poll(winner).pipe(
        Effect.flatMap(Option.match({
          onNone: () =>
            Effect.succeedNone,
          onSome: Effect.asSome
        }))
      )
      const exits = yield* Effect.forEach(fibers, Fiber.await)
      const errors = exits.map((exit) => Exit.isFailure(exit) ? Option.some(exit.cause) : Option.none())
      const winnerValue = Option.flatMap(
        winnerIndex,
        (index) => Exit.getOrElse(Exit.map(exits[index], Option.some), () => Option.none<A>())
      )
      return { winner: winnerValue, winnerIndex, errors, sourceError }
    }).pipe(Effect.onInterrupt(() => Fiber.interruptAll(fibers)))
  })

/** @internal */
export const staggeredRace = <A, E, R, E2 = never, R2 = never>(
  attempts: Stream.Stream<Effect.Effect<A, E, R>, E2, R2> | Iterable<Effect.Effect<A, E, R>>,
  options: { readonly delay: Duration.DurationInput | null }
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> => {
  const delay = decodeDelay(options.delay)
  return isStream(attempts) ?
    Effect.scoped(Effect.flatMap(pullStream(attempts), (pull) => race(pull, delay, false))) :
    Effect.flatMap(pullIterable(attempts), (pull) => race(pull, delay, true))
}
