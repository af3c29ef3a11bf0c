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
import * as Ref from "effect/Ref"
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

/**
 * Runs in the winner's fiber the moment it has won, before any loser is interrupted: what a
 * caller reports as "connected" is then told before the losers' cancellations.
 */
export type OnWin<A> = (value: A, index: number) => Effect.Effect<void>

const noWinHook: OnWin<unknown> = () => Effect.void

export const race = <A, E, R, E2, R2>(
  pull: Pull<Effect.Effect<A, E, R>, E2, R2>,
  delay: Option.Option<Duration.Duration>,
  isSync: boolean,
  onWin: OnWin<A> = noWinHook
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> =>
  Effect.suspend(() => {
    const fibers: Array<Fiber.RuntimeFiber<A, E>> = []
    return Effect.gen(function*() {
      const winner = yield* Deferred.make<number>()
      const won = Deferred.await(winner)
      let sourceError: Option.Option<Cause.Cause<E2>> = Option.none()
      // When the latest attempt started, as the schedule has it (see below).
      let startedAt = BigInt(0)
      // The latest attempt's wake-up: completed when it ends, when any attempt wins, or by the
      // timer. One signal per step, so a step costs one timer fiber and no racing fibers.
      const wake = yield* Ref.make(yield* Deferred.make<void>())

      // The attempt that completes the Deferred first wins. An attempt that succeeds after
      // another has won (possible only when both finish in the same tick) is a loser: it
      // interrupts itself, so its entry in `errors` is an interruption like every other
      // loser's. Only the latest attempt's failure wakes the loop (rule 2).
      const start = (attempt: Effect.Effect<A, E, R>, index: number, ended: Deferred.Deferred<void>) =>
        Effect.interruptible(attempt).pipe(
          Effect.tap((value) =>
            Effect.flatMap(Deferred.succeed(winner, index), (first) =>
              first
                ? Effect.zipRight(
                  onWin(value, index),
                  Effect.flatMap(Ref.get(wake), (latest) => Deferred.succeed(latest, undefined))
                )
                : Effect.interrupt)
          ),
          Effect.onExit(() => Deferred.succeed(ended, undefined)),
          Effect.fork,
          // Recorded in the same uninterruptible step that forks it, so no fiber escapes.
          Effect.tap((fiber) => {
            fibers.push(fiber)
          }),
          Effect.uninterruptible
        )

      const nanos = Option.map(delay, (d) => Option.getOrElse(Duration.toNanos(d), () => BigInt(0)))

      // Waits until the latest attempt has ended, any attempt has won, or the delay since the
      // latest attempt started has passed. Returns how late the timer woke the loop, if it did.
      const waitAfter = (ended: Deferred.Deferred<void>): Effect.Effect<bigint> => {
        if (Option.isNone(nanos)) return Effect.as(Deferred.await(ended), BigInt(0))
        if (nanos.value === BigInt(0)) return Effect.as(Effect.yieldNow(), BigInt(0))
        const due = startedAt + nanos.value
        return Effect.flatMap(Clock.currentTimeNanos, (now) =>
          now >= due ?
            Effect.succeed(now - due) :
            Effect.acquireUseRelease(
              Effect.forkDaemon(
                Effect.zipRight(Effect.sleep(Duration.nanos(due - now)), Deferred.succeed(ended, undefined))
              ),
              () => Effect.zipRight(Deferred.await(ended), Clock.currentTimeNanos),
              (timer) => Fiber.interruptFork(timer)
            ).pipe(Effect.map((woke) => woke > due ? woke - due : BigInt(0))))
      }

      // A source that blocks (a resolver waiting for an answer) gives way to a win. Most pulls
      // answer at once, so the pull runs first on its own and is raced only if it waits.
      const next: Pull<Effect.Effect<A, E, R>, E2, R2> = isSync ? pull : Effect.flatMap(
        Effect.fork(pull),
        (fiber) =>
          Effect.flatMap(Effect.yieldNow(), () => {
            const done = fiber.unsafePoll()
            return done !== null ?
              done :
              Effect.raceFirst(Fiber.join(fiber), Effect.as(won, Option.none())).pipe(
                Effect.ensuring(Fiber.interrupt(fiber))
              )
          })
      )

      while (true) {
        let lateness = BigInt(0)
        if (fibers.length > 0) {
          // Let the attempt just started run first: one that ends at once (refused, or
          // connected) then needs no timer at all.
          const previous = fibers[fibers.length - 1]
          if (previous.unsafePoll() === null) yield* Effect.yieldNow()
          if (previous.unsafePoll() === null) lateness = yield* waitAfter(yield* Ref.get(wake))
        }
        if (yield* Deferred.isDone(winner)) break
        const exit = yield* Effect.exit(next)
        if (Exit.isFailure(exit)) {
          sourceError = Option.some(exit.cause)
          break
        }
        if (Option.isNone(exit.value) || (yield* Deferred.isDone(winner))) break
        // The delay runs from each attempt's start (rule 2). A timer that woke the loop late
        // does not move the schedule: the next attempt counts as started that much earlier, so
        // neither the timer's lateness nor the loop's own work adds up over the steps.
        startedAt = (yield* Clock.currentTimeNanos) - lateness
        const ended = yield* Deferred.make<void>()
        yield* Ref.set(wake, ended)
        yield* start(exit.value.value, fibers.length, ended)
      }

      // No more attempts will start: wait for a winner or for every attempt to end.
      if (fibers.length > 0 && !(yield* Deferred.isDone(winner))) {
        yield* Effect.raceFirst(won, Effect.asVoid(Fiber.awaitAll(fibers)))
      }
      yield* Fiber.interruptAll(fibers)

      const winnerIndex = yield* Deferred.poll(winner).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
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
  options: { readonly delay: Duration.DurationInput | null; readonly onWin?: OnWin<A> | undefined }
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> => {
  const delay = decodeDelay(options.delay)
  return isStream(attempts) ?
    Effect.scoped(Effect.flatMap(pullStream(attempts), (pull) => race(pull, delay, false, options.onWin))) :
    Effect.flatMap(pullIterable(attempts), (pull) => race(pull, delay, true, options.onWin))
}
