/**
 * Staggered races: start effects one after another with a delay, take the first to succeed.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/stagger.js"

/**
 * What a staggered race did: the winner, if any, and how every started attempt ended.
 *
 * - `winner` and `winnerIndex`: the first attempt to succeed, or `None` when none did.
 * - `errors`: one entry per started attempt, in start order. `None` for the winner; for the
 *   others the Cause they ended with (an interruption for those cancelled by the win).
 * - `sourceError`: the failure of the attempts source itself, if it failed.
 *
 * It is async_stagger's `(winner_result, winner_index, coro_exc, aiter_exc)` tuple.
 *
 * @since 0.1.0
 * @category models
 */
export interface RaceResult<A, E, E2 = never> {
  readonly winner: Option.Option<A>
  readonly winnerIndex: Option.Option<number>
  readonly errors: ReadonlyArray<Option.Option<Cause.Cause<E>>>
  readonly sourceError: Option.Option<Cause.Cause<E2>>
}

/**
 * Options of a staggered race.
 *
 * `delay` is the time between starting one attempt and starting the next (RFC 8305's
 * Connection Attempt Delay). `null` starts the next attempt only when the previous one fails;
 * `0` starts them all at once. A negative delay counts as 0 and an infinite one as `null`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RaceOptions {
  readonly delay: Duration.DurationInput | null
}

/**
 * Runs effects with staggered start times and takes the first to succeed.
 *
 * Details
 *
 * Attempt 0 is pulled and started at once. Attempt i+1 is pulled and started when `delay` has
 * passed since attempt i started, or as soon as attempt i fails, whichever comes first; only
 * the immediately preceding attempt's failure starts the next one early. Attempts already
 * running keep running: this is a race, not a sequence of timeouts.
 *
 * The attempts are pulled lazily, one at a time, and never after a win: an `Iterable` such as a
 * generator is advanced once per attempt, and a `Stream` that blocks (a resolver waiting for an
 * answer) delays only the attempt it is to yield. The first attempt to succeed wins; every
 * other running attempt is interrupted, and their finalizers have all run when the race
 * returns. Interrupting the race interrupts every running attempt and awaits its finalizers.
 *
 * A failing source ends the pulling and is reported in `sourceError`, but attempts already
 * running go on and may still win. The race itself never fails: every outcome is in the
 * result.
 *
 * @example
 * ```ts
 * import { Stagger } from "@effect-stagger/core"
 * import { Effect, Option } from "effect"
 *
 * const attempts = [
 *   Effect.fail("refused").pipe(Effect.delay("100 millis")),
 *   Effect.never,
 *   Effect.succeed("third").pipe(Effect.delay("50 millis"))
 * ]
 *
 * const program = Effect.gen(function*() {
 *   // starts: #0 at 0 ms, #1 at 100 ms (after #0 failed), #2 at 400 ms; #2 wins at 450 ms
 *   const result = yield* Stagger.staggeredRace(attempts, { delay: "300 millis" })
 *   console.log(Option.getOrNull(result.winner), Option.getOrNull(result.winnerIndex))
 *   // "third" 2
 * })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const staggeredRace: {
  (
    options: RaceOptions
  ): <A, E, R, E2 = never, R2 = never>(
    attempts: Stream.Stream<Effect.Effect<A, E, R>, E2, R2> | Iterable<Effect.Effect<A, E, R>>
  ) => Effect.Effect<RaceResult<A, E, E2>, never, R | R2>
  <A, E, R, E2 = never, R2 = never>(
    attempts: Stream.Stream<Effect.Effect<A, E, R>, E2, R2> | Iterable<Effect.Effect<A, E, R>>,
    options: RaceOptions
  ): Effect.Effect<RaceResult<A, E, E2>, never, R | R2>
} = dual(2, internal.staggeredRace)
