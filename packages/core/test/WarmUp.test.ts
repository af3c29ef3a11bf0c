/**
 * `HappyEyeballs.warmUp`: the rehearsals it runs, that they stay out of the caller's runtime
 * (no spans to its tracer, no waiting on its `TestClock`), that nothing outlives it, and its
 * argument check. Whether it makes later connects faster is for the benchmark to say.
 */
import { type AddrInfo, HappyEyeballs } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Tracer from "effect/Tracer"
import { lookups, v6 } from "./support/net.js"

/** Settles in the next turn of the event loop, as a socket does. */
const nextTurn = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.async<A, E>((resume) => {
    const handle = setImmediate(() => resume(effect))
    return Effect.sync(() => clearImmediate(handle))
  })

/** A dial that records what it is asked to do and counts its scopes still open. */
const recordingDial = () => {
  const asked: Array<string> = []
  const state = { open: 0, started: 0 }
  const dial = (remote: AddrInfo.AddrInfo, outcome: HappyEyeballs.Rehearsal) =>
    Effect.zipRight(
      Effect.acquireRelease(
        Effect.sync(() => {
          asked.push(`${remote.address} ${outcome}`)
          state.open++
          state.started++
        }),
        () => Effect.sync(() => state.open--)
      ),
      outcome === "silent" ?
        Effect.never :
        nextTurn(outcome === "connected" ? Effect.succeed(remote) : Effect.fail("refused"))
    )
  return { asked, state, dial }
}

/** A tracer that keeps the name of every span it makes. */
const namingTracer = Effect.map(Effect.tracer, (native) => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (name, ...rest) => {
      names.push(name)
      return native.span(name, ...rest)
    },
    context: native.context
  })
  return { names, tracer }
})

describe("HappyEyeballs.warmUp", () => {
  it.effect("runs each kind of rehearsal once per round, 1 round by default, and closes every attempt's scope", () =>
    Effect.gen(function*() {
      const { asked, dial, state } = recordingDial()
      yield* HappyEyeballs.warmUp({ dial })
      const round = [
        // Both families, interleaved: eight refusals, then the ninth address connects.
        ...[1, 2, 3, 4].flatMap((n) => [`2001:db8::${n} refused`, `192.0.2.${n} refused`]),
        "2001:db8::5 connected",
        // IPv6 is silent until the delay starts IPv4, which connects.
        "2001:db8::1 silent",
        "192.0.2.1 connected",
        // Every attempt refused.
        ...["2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"].map((address) => `${address} refused`),
        // An IP literal.
        "2001:db8::1 connected"
      ]
      expect(asked).toEqual(round)
      const { asked: asked3, dial: dial3 } = recordingDial()
      yield* HappyEyeballs.warmUp({ rounds: 3, dial: dial3 })
      expect(asked3).toEqual([...round, ...round, ...round])
      expect(state.open).toBe(0)
    }))

  it.effect("runs in the default runtime: the caller's TestClock does not hold it up", () =>
    // The rehearsal with a silent attempt waits 1 ms of the real clock for the next attempt;
    // on the TestClock of this test, which nobody moves, it would never end.
    Effect.gen(function*() {
      const { asked, dial } = recordingDial()
      yield* HappyEyeballs.warmUp({ rounds: 1, dial })
      expect(asked).toContain("2001:db8::1 silent")
    }))

  it.live("makes no span in the caller's tracer, where a connect makes several", () =>
    Effect.gen(function*() {
      const { names, tracer } = yield* namingTracer
      yield* HappyEyeballs.warmUp({ rounds: 1 }).pipe(Effect.withTracer(tracer))
      expect(names).toEqual([])
      yield* Effect.scoped(
        HappyEyeballs.connectWith({ host: "example.test", port: 443, dial: Effect.succeed })
      ).pipe(Effect.provide(lookups({ 6: { after: 0, addresses: [v6(1)] } })), Effect.withTracer(tracer))
      expect(names).toContain("stagger.attempt")
    }))

  it.live("interrupting it interrupts the rehearsal and closes the attempt in progress", () =>
    Effect.gen(function*() {
      const { dial, state } = recordingDial()
      const silent = (remote: AddrInfo.AddrInfo) => dial(remote, "silent")
      const fiber = yield* Effect.fork(HappyEyeballs.warmUp({ rounds: 1, dial: silent }))
      while (state.started === 0) yield* Effect.sleep("1 millis")
      yield* Fiber.interrupt(fiber)
      expect(state).toEqual({ open: 0, started: 1 })
    }))

  it.live("where there is no setImmediate (a browser), a rehearsal's turn is a timer", () =>
    Effect.gen(function*() {
      const original = globalThis.setImmediate
      Object.assign(globalThis, { setImmediate: undefined })
      const exit = yield* Effect.exit(HappyEyeballs.warmUp({ rounds: 1 })).pipe(
        Effect.ensuring(Effect.sync(() => Object.assign(globalThis, { setImmediate: original })))
      )
      expect(exit).toEqual(Exit.void)
    }))

  it.effect("rounds: 0 rehearses nothing", () =>
    Effect.gen(function*() {
      const { dial, state } = recordingDial()
      yield* HappyEyeballs.warmUp({ rounds: 0, dial })
      expect(state.started).toBe(0)
    }))

  it.effect("rounds that are not an integer of at least 0 are an IllegalArgumentException", () =>
    Effect.gen(function*() {
      for (const rounds of [-1, 1.5, Number.NaN]) {
        const exit = yield* Effect.exit(HappyEyeballs.warmUp({ rounds }))
        expect(exit).toEqual(
          Exit.fail(new Cause.IllegalArgumentException(`rounds must be an integer of at least 0, got ${rounds}`))
        )
      }
    }))
})
