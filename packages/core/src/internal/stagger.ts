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
 * happened (their exits become `errors`); the winner's index and the count of running
 * attempts are plain variables, and one-shot signals wake the loop.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
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

/**
 * Where the race takes its attempts from. `poll` is the pull's outcome when it needs no
 * waiting, computed now; `undefined` when it would have to wait (or cannot tell). `pull` may
 * wait. While an attempt runs, a pull that may wait runs in a fiber of its own, so that a win
 * can end the race while it waits; one that `poll` answers costs the race no step at all.
 */
export interface Source<A, E2, R2> {
  readonly pull: Pull<A, E2, R2>
  readonly poll: () => Exit.Exit<Option.Option<A>, E2> | undefined
  /**
   * Its attempts run uninterruptibly and make themselves interruptible where they may be cut
   * short (`attempt.masked`), so the race does not: two changes of the runtime flags fewer
   * per attempt.
   */
  readonly masked?: boolean
}

/** A generator is advanced once per attempt; a throw from it is a defect of the source. */
const pullIterable = <A>(iterable: Iterable<A>): Effect.Effect<Source<A, never, never>> =>
  Effect.sync(() => {
    const iterator = iterable[Symbol.iterator]()
    const poll = (): Exit.Exit<Option.Option<A>> => {
      try {
        const next = iterator.next()
        return Exit.succeed(next.done ? Option.none<A>() : Option.some(next.value))
      } catch (defect) {
        return Exit.die(defect)
      }
    }
    return { pull: Effect.suspend(poll), poll }
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
    (pullChunk): Source<A, E2, R2> => {
      let buffer: Chunk.Chunk<A | SourceFailure<E2>> = Chunk.empty()
      const poll = (): Exit.Exit<Option.Option<A>, E2> | undefined => {
        if (!Chunk.isNonEmpty(buffer)) return undefined
        const head = Chunk.headNonEmpty(buffer)
        buffer = Chunk.drop(buffer, 1)
        return head instanceof SourceFailure ? Exit.failCause(head.cause) : Exit.succeed(Option.some(head))
      }
      const pull: Pull<A, E2, R2> = Effect.suspend(() =>
        poll() ?? pullChunk.pipe(
          Effect.matchEffect({
            onFailure: () => Effect.succeedNone,
            onSuccess: (chunk) => {
              buffer = chunk
              return pull
            }
          })
        )
      )
      return { pull, poll }
    }
  )

/**
 * A one-shot wake-up for a single waiting fiber, such as the race's loop. `Effect.Latch`'s
 * `await` also registers an interruption handler that removes its waiter, about six more steps
 * of the fiber runtime per wait; a fiber that waits on a fresh signal each step does not need
 * it, because a fiber ignores a resumption that comes after its interruption.
 */
class Signal {
  private opened = false
  private waiter: ((effect: Effect.Effect<void>) => void) | undefined
  readonly await: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.opened) resume(Effect.void)
    else this.waiter = resume
  })
  unsafeOpen(): void {
    if (this.opened) return
    this.opened = true
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.(Effect.void)
  }
}

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
  source: Source<Effect.Effect<A, E, R>, E2, R2>,
  delay: Option.Option<Duration.Duration>,
  onWin: OnWin<A> = noWinHook
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> =>
  Effect.suspend(() => {
    const { masked = false, poll, pull } = source
    // The race's state is plain variables: every change is one synchronous step of one fiber,
    // and JavaScript runs one at a time. Signals wake the loop (a Deferred costs several
    // times more to make, which a connect of one attempt notices).
    const fibers: Array<Fiber.RuntimeFiber<Exit.Exit<A, E>>> = []
    let winner = -1
    // Attempts started and not yet ended, and whether any more will start.
    let running = 0
    let exhausted = false
    // Opened on a win, or when the last attempt ends once no more will start.
    const decided = new Signal()
    // The latest attempt's wake-up: opened when it ends, when any attempt wins, or by the
    // timer. One signal per step, and no racing fibers.
    let latest = new Signal()
    let sourceError: Option.Option<Cause.Cause<E2>> = Option.none()

    // An attempt's end, counted in its own fiber whatever the outcome; only the latest
    // attempt's end wakes the loop (rule 2).
    const ended = (wake: Signal) => {
      wake.unsafeOpen()
      running--
      if (exhausted && running === 0) decided.unsafeOpen()
    }

    // The first attempt to succeed wins. An attempt that succeeds after another has won
    // (possible only when both finish in the same tick) is a loser: it interrupts itself, so
    // its entry in `errors` is an interruption like every other loser's. An attempt's fiber
    // is forked uninterruptible and runs only the attempt interruptibly, so that its end is
    // always counted. It succeeds with the attempt's exit, and fails only when interrupted
    // (or when `onWin` dies), so that a refused attempt is not an unhandled failure for the
    // fiber runtime to check.
    const start = (attempt: Effect.Effect<A, E, R>, index: number, wake: Signal) =>
      Effect.matchCauseEffect(masked ? attempt : Effect.interruptible(attempt), {
        onFailure: (cause) => {
          ended(wake)
          return Effect.succeed(Exit.failCause(cause))
        },
        onSuccess: (value) => {
          if (winner !== -1) {
            ended(wake)
            return Effect.interrupt
          }
          winner = index
          // The win is told before the loop can wake and cancel the losers.
          return Effect.matchCauseEffect(onWin(value, index), {
            onFailure: (cause) => {
              ended(wake)
              return Effect.failCause(cause)
            },
            onSuccess: () => {
              latest.unsafeOpen()
              pulling?.unsafeOpen()
              decided.unsafeOpen()
              ended(wake)
              return Effect.succeed(Exit.succeed(value))
            }
          })
        }
      }).pipe(
        Effect.fork,
        // Counted and recorded in the same uninterruptible step that forks it, so no fiber
        // escapes; the child runs only once this fiber yields.
        Effect.tap((fiber) => {
          running++
          fibers.push(fiber)
        }),
        Effect.uninterruptible
      )

    const nanos = Option.getOrUndefined(
      Option.map(delay, (d) => Option.getOrElse(Duration.toNanos(d), () => BigInt(0)))
    )

    // The timer: one fiber that sleeps until `due`, when the latest attempt's delay is over,
    // then opens its signal. An attempt that ends first moves `due` on and the same fiber
    // sleeps the rest: a race whose attempts fail fast costs one timer, not one per step.
    // `due` is set with `latest`, in one step, so the timer never opens a signal early.
    let due = BigInt(0)
    let timer: Fiber.RuntimeFiber<void> | undefined
    const sleeping: Effect.Effect<void> = Effect.flatMap(Clock.currentTimeNanos, (now) => {
      if (now < due) return Effect.zipRight(Effect.sleep(Duration.nanos(due - now)), sleeping)
      latest.unsafeOpen()
      timer = undefined
      return Effect.void
    })
    const stopTimer = Effect.suspend(() => timer === undefined ? Effect.void : Fiber.interrupt(timer))
    const startTimer = Effect.tap(Effect.forkDaemon(sleeping), (fiber) => {
      timer = fiber
    })
    // Whether the timer is sleeping towards `due`.
    const timing = () => timer !== undefined && timer.unsafePoll() === null

    // Waits until the latest attempt has ended, any attempt has won, or the delay since the
    // latest attempt started has passed. A timer still sleeping serves the new `due` too.
    const waitAfter = (wake: Signal): Effect.Effect<void> =>
      nanos === undefined ?
        wake.await :
        nanos === BigInt(0) ?
        Effect.yieldNow() :
        timing() ?
        wake.await :
        Effect.zipRight(startTimer, wake.await)

    // The delay runs from each attempt's start (rule 2). A timer that woke the loop late does
    // not move the schedule: the next attempt counts as started that much earlier, so neither
    // the timer's lateness nor the loop's own work adds up over the steps. `wokeAt` is when
    // the loop woke, if a pull waited since; otherwise it woke just now.
    const startNext = (attempt: Effect.Effect<A, E, R>, waited: boolean, wokeAt: bigint | undefined) =>
      Effect.clockWith((clock) => {
        if (nanos !== undefined) {
          const now = clock.unsafeCurrentTimeNanos()
          const woke = wokeAt ?? now
          due = (waited && woke > due ? now - (woke - due) : now) + nanos
        }
        latest = new Signal()
        return start(attempt, fibers.length, latest)
      })

    // A source that waits (a resolver waiting for an answer) gives way to a win: while an
    // attempt runs, its pull runs in a fiber of its own and the loop waits on a signal that the
    // pull's end and a win both open. A source that `poll` answers costs no step.
    let pulling: Signal | undefined
    const waiting: Pull<Effect.Effect<A, E, R>, E2, R2> = Effect.suspend(() => {
      const woken = new Signal()
      pulling = woken
      return Effect.flatMap(Effect.fork(pull), (fiber) => {
        fiber.addObserver(() => woken.unsafeOpen())
        const answer = Effect.suspend(() => {
          pulling = undefined
          const done = fiber.unsafePoll()
          return done !== null ? done : Effect.as(Fiber.interrupt(fiber), Option.none())
        })
        // Most pulls that do wait answer within a yield.
        return Effect.zipRight(
          Effect.yieldNow(),
          Effect.suspend(() =>
            fiber.unsafePoll() !== null ?
              answer :
              Effect.zipRight(Effect.onInterrupt(woken.await, () => Fiber.interrupt(fiber)), answer)
          )
        )
      })
    })

    return Effect.gen(function*() {
      while (true) {
        let waited = false
        if (fibers.length > 0) {
          // Before a timer would start, let the attempt just started run first: one that ends
          // at once (an attempt without I/O) then needs no timer at all. Once a timer runs
          // there is nothing to save, and a socket never answers within a yield.
          const previous = fibers[fibers.length - 1]
          if (previous.unsafePoll() === null && nanos !== undefined && nanos > BigInt(0) && !timing()) {
            yield* Effect.yieldNow()
          }
          if (previous.unsafePoll() === null) {
            yield* waitAfter(latest)
            waited = true
          }
        }
        if (winner !== -1) break
        let exit = poll()
        let wokeAt: bigint | undefined
        if (exit === undefined) {
          if (waited && nanos !== undefined) wokeAt = yield* Clock.currentTimeNanos
          // With no attempt running, nothing can win while the pull waits: it runs here.
          exit = yield* Effect.exit(running === 0 ? pull : waiting)
        }
        if (Exit.isFailure(exit)) {
          sourceError = Option.some(exit.cause)
          break
        }
        if (Option.isNone(exit.value) || winner !== -1) break
        yield* startNext(exit.value.value, waited, wokeAt)
      }

      // No more attempts will start: wait for a winner or for every attempt to end.
      exhausted = true
      if (winner === -1 && running > 0) yield* decided.await
      yield* stopTimer
      // Interrupting a fiber awaits its end, so every exit is there to read afterwards.
      const live = fibers.filter((fiber) => fiber.unsafePoll() === null)
      if (live.length > 0) yield* Fiber.interruptAll(live)

      const exits = fibers.map((fiber): Exit.Exit<A, E> => {
        const outcome = fiber.unsafePoll()!
        return Exit.isSuccess(outcome) ? outcome.value : outcome as Exit.Exit<never>
      })
      const errors = exits.map((exit) => Exit.isFailure(exit) ? Option.some(exit.cause) : Option.none())
      const winnerIndex = winner === -1 ? Option.none<number>() : Option.some(winner)
      const winnerValue = Option.flatMap(
        winnerIndex,
        (index) => Exit.getOrElse(Exit.map(exits[index], Option.some), () => Option.none<A>())
      )
      return { winner: winnerValue, winnerIndex, errors, sourceError }
    }).pipe(Effect.onInterrupt(() => Effect.zipRight(stopTimer, Fiber.interruptAll(fibers))))
  })

/** @internal */
export const staggeredRace = <A, E, R, E2 = never, R2 = never>(
  attempts: Stream.Stream<Effect.Effect<A, E, R>, E2, R2> | Iterable<Effect.Effect<A, E, R>>,
  options: { readonly delay: Duration.DurationInput | null; readonly onWin?: OnWin<A> | undefined }
): Effect.Effect<Stagger.RaceResult<A, E, E2>, never, R | R2> => {
  const delay = decodeDelay(options.delay)
  return isStream(attempts) ?
    Effect.scoped(Effect.flatMap(pullStream(attempts), (source) => race(source, delay, options.onWin))) :
    Effect.flatMap(pullIterable(attempts), (source) => race(source, delay, options.onWin))
}
