/**
 * `noDelay`, `keepAlive` and `connectTimeout` on every entry point: the first two reach the
 * winner and no loser (watched by spying on `setNoDelay` and `setKeepAlive`), the third bounds
 * the whole connect.
 */
import { NodeHappyEyeballs } from "@effect-stagger/node"
import { connect, httpAgent, undiciConnector } from "@effect-stagger/node/promise"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Undici from "undici"
import { selfSigned } from "./support/certificate.js"
import { destroyedDuring } from "./support/destroyed.js"
import { behind, httpServer } from "./support/httpServers.js"
import { scripted } from "./support/lookups.js"
import { stalledServer } from "./support/servers.js"

const names = scripted({ "race.test": { 4: ["127.0.0.2", "127.0.0.1"] }, "tls.test": { 4: ["127.0.0.1"] } })

const credentials = Effect.cached(selfSigned).pipe(Effect.runSync)

/** Each call of `setNoDelay` and `setKeepAlive` while `self` runs: the socket's local port, and the arguments. */
const settingsDuring = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const calls: Array<{ readonly socket: Net.Socket; readonly call: string }> = []
    const { setKeepAlive, setNoDelay } = Net.Socket.prototype
    Net.Socket.prototype.setNoDelay = function(this: Net.Socket, noDelay?: boolean) {
      calls.push({ socket: this, call: `noDelay ${noDelay}` })
      return setNoDelay.call(this, noDelay)
    }
    Net.Socket.prototype.setKeepAlive = function(this: Net.Socket, enable?: boolean, initialDelay?: number) {
      calls.push({ socket: this, call: `keepAlive ${enable} ${initialDelay}` })
      return setKeepAlive.call(this, enable, initialDelay)
    }
    return Effect.map(
      Effect.ensuring(
        self,
        Effect.sync(() => {
          Net.Socket.prototype.setNoDelay = setNoDelay
          Net.Socket.prototype.setKeepAlive = setKeepAlive
        })
      ),
      (a) => [a, calls] as const
    )
  })

describe("noDelay and keepAlive", () => {
  it.scopedLive("are set on the winner alone, not on the attempt that hung", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("stalled")
      const [[socket, destroyed], calls] = yield* settingsDuring(destroyedDuring(
        NodeHappyEyeballs.createConnectedSock("race.test", server.port, {
          delay: "30 millis",
          noDelay: true,
          keepAlive: { initialDelay: "10 seconds" }
        }),
        (socket) => (socket.connecting ? socket : undefined)
      ))
      expect(destroyed).toHaveLength(1)
      expect(calls.map(({ call }) => call)).toEqual(["noDelay true", "keepAlive true 10000"])
      expect(calls.every((c) => c.socket === socket)).toBe(true)
    }).pipe(Effect.provide(names)))

  it.scopedLive("unset, nothing is set; with TLS they reach the TCP socket under it", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* httpServer("127.0.0.1", { tls: { key, cert } })
      const [, none] = yield* settingsDuring(NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port))
      expect(none).toEqual([])
      const [socket, calls] = yield* settingsDuring(
        NodeHappyEyeballs.createConnectedSock("tls.test", server.port, {
          tls: { ca: cert },
          handshakeInAttempt: true,
          noDelay: false,
          keepAlive: false
        })
      )
      expect(calls.map(({ call }) => call)).toEqual(["noDelay false", "keepAlive false undefined"])
      expect(calls[0].socket).not.toBe(socket)
      expect(calls[0].socket.remotePort).toBe(server.port)
    }).pipe(Effect.provide(names)))

  it.scopedLive("reach the sockets of the Promise API, undici's connector and the agents", () =>
    Effect.gen(function*() {
      const server = yield* httpServer("127.0.0.1")
      const [socket, connectCalls] = yield* settingsDuring(
        Effect.promise(() => connect("127.0.0.1", server.port, { noDelay: true }))
      )
      expect(connectCalls.map(({ call }) => call)).toEqual(["noDelay true"])
      socket.destroy()
      // undici's connector has undici's defaults: noDelay, keep-alive after 60 s.
      const dispatcher = new Undici.Agent({ connect: undiciConnector() })
      const [, undiciCalls] = yield* settingsDuring(
        Effect.promise(() => Undici.request(server.url(), { dispatcher }).then((r) => r.body.text()))
      )
      yield* Effect.promise(() => dispatcher.destroy())
      expect(undiciCalls.map(({ call }) => call).slice(0, 2)).toEqual(["noDelay true", "keepAlive true 60000"])
      const agent = httpAgent({ keepAlive: { initialDelay: "5 seconds" } })
      const [, agentCalls] = yield* settingsDuring(
        Effect.promise(() =>
          new Promise<void>((resolve) =>
            Http.get(server.url(), { agent }, (response) => response.resume().on("end", resolve))
          )
        )
      )
      agent.destroy()
      expect(agentCalls.map(({ call }) => call)).toContain("keepAlive true 5000")
    }))

  it.effect("bad values are an IllegalArgumentException, before any lookup", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { noDelay: "yes" as never },
          { keepAlive: { initialDelay: -1 } },
          { keepAlive: { initialDelay: Infinity } },
          { connectTimeout: Number.NaN },
          { connectTimeout: "-1 seconds" as never }
        ]
      ) {
        const error = yield* Effect.flip(NodeHappyEyeballs.createConnectedSock("nowhere.test", 80, options))
        expect(error).toBeInstanceOf(Cause.IllegalArgumentException)
      }
    }).pipe(Effect.scoped, Effect.provide(names)))
})

describe("connectTimeout", () => {
  it.scopedLive("fails a connect still running with TimeoutException, every attempt closed", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const [exit, destroyed] = yield* destroyedDuring(
        Effect.exit(
          NodeHappyEyeballs.createConnectedSock("127.0.0.2", port, {
            connectTimeout: "60 millis",
            localAddrs: [{ address: "127.0.0.3" }, { address: "127.0.0.4" }],
            delay: "10 millis"
          })
        ),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(Exit.isFailure(exit) && Cause.isTimeoutException(Cause.squash(exit.cause))).toBe(true)
      expect(destroyed).toEqual(["connecting", "connecting"])
    }).pipe(Effect.provide(names)))

  it.scopedLive("bounds the TLS handshake after the race too", () =>
    Effect.gen(function*() {
      // A TCP server that never answers the ClientHello.
      const server = yield* Effect.acquireRelease(
        Effect.async<Net.Server>((resume) => {
          const server = Net.createServer((socket) => socket.on("error", () => {}))
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.sync(() => server.close())
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const error = yield* Effect.flip(
        NodeHappyEyeballs.createConnectedSock("127.0.0.1", port, { tls: true, connectTimeout: "80 millis" })
      )
      expect(Cause.isTimeoutException(error)).toBe(true)
    }).pipe(Effect.provide(names)))
})
