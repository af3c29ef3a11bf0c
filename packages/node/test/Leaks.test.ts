/**
 * No socket, pending connect or timer outlives a connect: not a loser's, not an interrupted
 * attempt's, not the winner's once its scope closes. Counted with
 * `process.getActiveResourcesInfo()` and confirmed from the servers' side.
 */
import { NodeHappyEyeballs } from "@effect-stagger/node"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { scripted } from "./support/lookups.js"
import { activeResources, backTo, dualServers, eventually, stalledServer } from "./support/servers.js"

const names = scripted({ "dual.test": { 6: ["::1"], 4: ["127.0.0.1"] } })

/** Waits until this process has `n` pending connects (it had none before the test's). */
const pendingConnects = (n: number) =>
  eventually(Effect.sync(() => (activeResources().ConnectWrap ?? 0) >= n || undefined))

describe("no leaks", () => {
  it.scopedLive("losers are closed as they lose, the winner with its scope", () =>
    Effect.gen(function*() {
      const { port, v4, v6 } = yield* dualServers({ v6: "echo", v4: "echo" })
      const baseline = activeResources()
      yield* Effect.scoped(Effect.gen(function*() {
        // A delay of 0 starts both attempts at once: both connect, one loses.
        const socket = yield* NodeHappyEyeballs.createConnectedSock("dual.test", port, { delay: 0 })
        const winner = socket.remoteFamily === "IPv6" ? v6! : v4!
        const [seen] = yield* winner.accepted(1)
        expect(seen.remotePort).toBe(socket.localPort)
        // Every other connection either server accepted is closed while the winner is open.
        for (const other of [...v6!.seen, ...v4!.seen].filter((s) => s !== seen)) {
          yield* Deferred.await(other.closed)
        }
        expect(yield* Deferred.isDone(seen.closed)).toBe(false)
      }))
      const [seen] = (v6!.seen.length > 0 ? v6! : v4!).seen
      yield* Deferred.await(seen.closed)
      yield* backTo(baseline)
    }).pipe(Effect.provide(names)))

  it.scopedLive("a connect that fails leaves nothing behind", () =>
    Effect.gen(function*() {
      const { port } = yield* dualServers({ v6: "refused", v4: "refused" })
      const baseline = activeResources()
      const exit = yield* Effect.exit(Effect.scoped(NodeHappyEyeballs.createConnectedSock("dual.test", port)))
      expect(exit._tag).toBe("Failure")
      yield* backTo(baseline)
    }).pipe(Effect.provide(names)))

  it.scopedLive("attempts that fail after their TCP connected are closed as they fail", () =>
    Effect.gen(function*() {
      // Echo servers send the ClientHello back: every handshake fails, after TCP connected.
      const { port, v4, v6 } = yield* dualServers({ v6: "echo", v4: "echo" })
      const baseline = activeResources()
      const exit = yield* Effect.exit(Effect.scoped(
        NodeHappyEyeballs.createConnectedSock("dual.test", port, { tls: true, handshakeInAttempt: true })
      ))
      expect(exit._tag).toBe("Failure")
      const seen = [...v6!.seen, ...v4!.seen]
      expect(seen).toHaveLength(2)
      for (const connection of seen) yield* Deferred.await(connection.closed)
      yield* backTo(baseline)
    }).pipe(Effect.provide(names)))

  it.scopedLive("interrupting a race with pending attempts closes every attempt", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.1")
      const baseline = activeResources()
      // Two local addresses make two attempts to the same stalled address: a real race.
      const fiber = yield* NodeHappyEyeballs.createConnectedSock("127.0.0.1", port, {
        localAddrs: [{ address: "127.0.0.2" }, { address: "127.0.0.3" }],
        delay: "10 millis"
      }).pipe(Effect.scoped, Effect.fork)
      yield* pendingConnects(2)
      yield* Fiber.interrupt(fiber)
      yield* backTo(baseline)
    }).pipe(Effect.provide(names)))

  it.scopedLive("interrupting a single pending attempt (an IPv6 literal) closes it", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("::1")
      const baseline = activeResources()
      const fiber = yield* NodeHappyEyeballs.createConnectedSock("::1", port).pipe(Effect.scoped, Effect.fork)
      yield* pendingConnects(1)
      yield* Fiber.interrupt(fiber)
      yield* backTo(baseline)
    }).pipe(Effect.provide(names)))

  it.scopedLive("a timeout around a stalled connect ends it and leaves nothing behind", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.1")
      const baseline = activeResources()
      const exit = yield* NodeHappyEyeballs.createConnectedSock("127.0.0.1", port).pipe(
        Effect.timeout("50 millis"),
        Effect.scoped,
        Effect.exit
      )
      expect(exit._tag).toBe("Failure")
      yield* backTo(baseline)
    }).pipe(Effect.provide(names)))
})
