/**
 * The resolver layers' own warm-up: one round of `NodeHappyEyeballs.warmUp` the first time one
 * of them is built in a process, and none after. It has a file of its own because "the first
 * time in a process" is per test file here (each file gets its own modules).
 */
import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { recordingTracer } from "../../core/test/support/tracer.js"
import { destroyedDuring, rehearsalSockets } from "./support/rehearsal.js"

const build = <A, E>(layer: Layer.Layer<A, E>) => Effect.scoped(Layer.build(layer))

/** One round: 16 attempts through the connect functions' dial, 2 direct connects; none real. */
const oneRound = Array.from({ length: 18 }, () => false)

describe("the resolver layers' warm-up", () => {
  it.live("runs once per process, in the first layer built with it, builds at the same time included; an interrupted one does not count", () =>
    Effect.gen(function*() {
      // The layers without it rehearse nothing.
      expect((yield* rehearsalSockets(build(NodeGetAddrInfo.layerWithoutWarmUp)))[1]).toEqual([])
      expect((yield* rehearsalSockets(build(NodeGetAddrInfo.layerDns({ warmUp: false }))))[1]).toEqual([])

      // A first build, interrupted once its rehearsal has dialled: it has not warmed anything.
      const dialled = yield* Deferred.make<void>()
      const interrupted = yield* Effect.fork(destroyedDuring(build(NodeGetAddrInfo.layerDns()), (socket) => {
        if (Object.hasOwn(socket, "connect")) Deferred.unsafeDone(dialled, Exit.void)
        return undefined
      }))
      yield* Deferred.await(dialled)
      yield* Fiber.interrupt(interrupted)

      // So the next builds rehearse: two at the same time, one round between them, and none of
      // it reaches the caller's tracer.
      const { spans, tracer } = yield* recordingTracer
      const [, first] = yield* rehearsalSockets(
        Effect.all([build(NodeGetAddrInfo.layerDns()), build(NodeGetAddrInfo.layer)], { concurrency: "unbounded" })
      ).pipe(Effect.withTracer(tracer))
      expect(first).toEqual(oneRound)
      expect(spans).toEqual([])

      // Later builds, of either layer, do not.
      expect((yield* rehearsalSockets(build(NodeGetAddrInfo.layerDns())))[1]).toEqual([])
      expect((yield* rehearsalSockets(build(NodeGetAddrInfo.layer)))[1]).toEqual([])

      // An explicit warmUp still runs when asked.
      expect((yield* rehearsalSockets(NodeHappyEyeballs.warmUp()))[1]).toEqual(oneRound)
    }))
})
