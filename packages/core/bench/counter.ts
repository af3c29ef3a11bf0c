/**
 * Counts what an effect costs the fiber runtime: its steps (effects evaluated) and the fibers
 * it starts, seen by a `Supervisor` whose `onEffect` runs for every step once the
 * `OpSupervision` runtime flag is on. Shared by the core's steps.ts and the Node package's
 * loopback.ts `--steps`.
 */
import * as Effect from "effect/Effect"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Supervisor from "effect/Supervisor"

/** Steps and fibers, so far. */
export class Counter extends Supervisor.AbstractSupervisor<void> {
  steps = 0
  fibers = 0
  readonly value = Effect.void
  override onStart() {
    this.fibers++
  }
  override onEffect() {
    this.steps++
  }
}

/** `effect`, with every step and fiber of it counted by `counter`. */
export const counted = <A, E, R>(effect: Effect.Effect<A, E, R>, counter: Counter): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.supervised(counter),
    Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))
  )
