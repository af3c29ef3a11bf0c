import { GetAddrInfo } from "@effect-stagger/core"
import { DialError, NodeHappyEyeballs } from "@effect-stagger/node"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Tls from "node:tls"
import { selfSigned } from "./support/certificate.js"
import { scripted } from "./support/lookups.js"
import { tcpServer, tlsServer } from "./support/servers.js"

const names = scripted({
  "tls.test": { 4: ["127.0.0.1"] },
  "wrong.test": { 4: ["127.0.0.1"] },
  // The first address accepts TCP but never answers the TLS ClientHello.
  "pair.test": { 4: ["127.0.0.2", "127.0.0.1"] }
})

const credentials = Effect.cached(selfSigned).pipe(Effect.runSync)

const dialErrorOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    Effect.flip(effect),
    (error) =>
      DialError.isDialError(error) ? Effect.succeed(error) : Effect.dieMessage(`not a DialError: ${String(error)}`)
  )

describe("NodeHappyEyeballs TLS", () => {
  it.scopedLive("servername defaults to the host name (fix for async_stagger), and the certificate is checked", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      const socket = yield* NodeHappyEyeballs.createConnectedSock("tls.test", server.port, { tls: { ca: cert } })
      expect(socket).toBeInstanceOf(Tls.TLSSocket)
      expect((socket as Tls.TLSSocket).authorized).toBe(true)
      expect(yield* server.handshakes(1)).toEqual(["tls.test"])
    }).pipe(Effect.provide(names)))

  it.scopedLive("an IP literal sends no server name and is checked against the IP address", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      yield* NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, { tls: { ca: cert } })
      expect(yield* server.handshakes(1)).toEqual([false])
    }).pipe(Effect.provide(names)))

  it.scopedLive("an explicit servername wins", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      yield* NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, {
        tls: { ca: cert, servername: "tls.test" }
      })
      expect(yield* server.handshakes(1)).toEqual(["tls.test"])
    }).pipe(Effect.provide(names)))

  it.scopedLive("a name the certificate does not hold fails with a DialError", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      const error = yield* dialErrorOf(
        NodeHappyEyeballs.createConnectedSock("wrong.test", server.port, { tls: { ca: cert } })
      )
      expect(error).toMatchObject({ phase: "tls", code: "ERR_TLS_CERT_ALTNAME_INVALID" })
      expect(error.message).toMatch(new RegExp(`^tls ERR_TLS_CERT_ALTNAME_INVALID 127\\.0\\.0\\.1:${server.port}: `))
      const [seen] = yield* server.accepted(1)
      yield* Deferred.await(seen.closed)
    }).pipe(Effect.provide(names)))

  it.scopedLive("tls: true verifies against the system's CAs: a self-signed certificate fails", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      const error = yield* dialErrorOf(NodeHappyEyeballs.createConnectedSock("tls.test", server.port, { tls: true }))
      expect(error.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT")
    }).pipe(Effect.provide(names)))

  it.scopedLive("tls: false, null or undefined is no TLS: a plain TCP socket", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      for (const tls of [false, null as never, undefined]) {
        const connection = yield* NodeHappyEyeballs.openConnection("127.0.0.1", server.port, { tls }).pipe(
          Effect.timeout("2 seconds")
        )
        expect(connection.socket).not.toBeInstanceOf(Tls.TLSSocket)
        yield* connection.write("plain")
        yield* connection.end
        const echoed = yield* Stream.runCollect(connection.reader)
        expect(Buffer.concat(Chunk.toArray(echoed)).toString()).toBe("plain")
      }
    }).pipe(Effect.provide(names)))

  it.scopedLive("a host that is no string, with tls, is an IllegalArgumentException", () =>
    Effect.gen(function*() {
      for (const host of [443, undefined, null, { host: "tls.test" }]) {
        const error = yield* Effect.flip(NodeHappyEyeballs.createConnectedSock(host as never, 443, { tls: true }))
        expect(error).toBeInstanceOf(Cause.IllegalArgumentException)
        expect(error.message).toMatch(/^host must be a host name or an IP address, got /)
      }
    }).pipe(Effect.provide(names)))

  it.scopedLive("openConnection over TLS: echo round trip", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      const { end, reader, write } = yield* NodeHappyEyeballs.openConnection("tls.test", server.port, {
        tls: { ca: cert }
      })
      yield* write("over TLS")
      yield* end
      const received = yield* Stream.runCollect(reader)
      expect(Buffer.concat(Chunk.toArray(received)).toString()).toBe("over TLS")
    }).pipe(Effect.provide(names)))

  it.scopedLive("createConnection over TLS: an Effect Socket", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* tlsServer("127.0.0.1", { key, cert })
      const socket = yield* NodeHappyEyeballs.createConnection("tls.test", server.port, { tls: { ca: cert } })
      const received: Array<Uint8Array> = []
      const reading = yield* Effect.fork(socket.run((chunk) => {
        received.push(chunk)
      }))
      yield* Effect.scoped(Effect.flatMap(socket.writer, (write) => write("socket over TLS")))
      yield* Fiber.join(reading)
      expect(Buffer.concat(received).toString()).toBe("socket over TLS")
    }).pipe(Effect.provide(names)))

  describe("handshakeInAttempt", () => {
    const pair = Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const good = yield* tlsServer("127.0.0.1", { key, cert })
      const stalled = yield* tcpServer("127.0.0.2", { port: good.port, mode: "silent" })
      // The certificate has no name pair.test: the name to check is given.
      return { good, stalled, tls: { ca: cert, servername: "tls.test" } }
    })

    it.scopedLive("true: an address whose TCP connects but whose TLS stalls loses to the next", () =>
      Effect.gen(function*() {
        const { good, stalled, tls } = yield* pair
        const socket = yield* NodeHappyEyeballs.createConnectedSock("pair.test", good.port, {
          tls,
          handshakeInAttempt: true,
          delay: "50 millis"
        })
        expect(socket.remoteAddress).toBe("127.0.0.1")
        // The stalled attempt lost: its connection closes while the winner's stays open.
        const [loser] = yield* stalled.accepted(1)
        yield* Deferred.await(loser.closed)
        expect(socket.destroyed).toBe(false)
      }).pipe(Effect.provide(names)))

    it.scopedLive("false (default): TLS runs on the TCP winner only, so the stall is the connect's", () =>
      Effect.gen(function*() {
        const { good, stalled, tls } = yield* pair
        // The test's scope stays open: a handshake that ends badly closes its socket itself.
        const exit = yield* NodeHappyEyeballs.createConnectedSock("pair.test", good.port, {
          tls,
          delay: "50 millis"
        }).pipe(Effect.timeout("300 millis"), Effect.exit)
        expect(exit._tag).toBe("Failure")
        expect(good.seen).toHaveLength(0)
        const [abandoned] = yield* stalled.accepted(1)
        yield* Deferred.await(abandoned.closed)
      }).pipe(Effect.provide(names)))
  })

  describe("options Node cannot use", () => {
    // A lookup would be the first I/O of a connect to a name: none may happen.
    const neverLooksUp = Layer.succeed(GetAddrInfo.GetAddrInfo, {
      lookup: (host) => Effect.dieMessage(`looked up ${host}`)
    })
    const bad: ReadonlyArray<readonly [string, Tls.ConnectionOptions, RegExp]> = [
      ["a key that is not one", { key: "not a key" }, /^tls: options Node cannot use \(ERR_/],
      ["a certificate that is not one", { cert: "not a certificate" }, /^tls: options Node cannot use \(ERR_/],
      ["no cipher Node knows", { ciphers: "NO-SUCH-CIPHER" }, /^tls: options Node cannot use \(ERR_/],
      [
        "a TLS version that does not exist",
        { minVersion: "TLSv9" as Tls.SecureVersion },
        /^tls: options Node cannot use \(ERR_TLS_INVALID_PROTOCOL_VERSION\): "TLSv9" is not a valid minimum/
      ],
      [
        "a long value, which Node's message echoes: the message stays short",
        { minVersion: "v".repeat(100_000) as Tls.SecureVersion },
        /^tls: options Node cannot use \(ERR_TLS_INVALID_PROTOCOL_VERSION\): "v{119}…$/
      ]
    ]
    for (const [what, tls, message] of bad) {
      for (const handshakeInAttempt of [false, true]) {
        it.effect(`${what} (handshakeInAttempt: ${handshakeInAttempt}): IllegalArgumentException, no lookup`, () =>
          Effect.gen(function*() {
            const error = yield* Effect.flip(
              Effect.scoped(NodeHappyEyeballs.createConnectedSock("tls.test", 443, { tls, handshakeInAttempt }))
            )
            expect(error).toBeInstanceOf(Cause.IllegalArgumentException)
            expect(error.message).toMatch(message)
          }).pipe(Effect.provide(neverLooksUp)))
      }
    }

    it.scopedLive("a secureContext of the caller's own is used as it is", () =>
      Effect.gen(function*() {
        const { cert, key } = yield* credentials
        const server = yield* tlsServer("127.0.0.1", { key, cert })
        const secureContext = Tls.createSecureContext({ ca: cert })
        const socket = yield* NodeHappyEyeballs.createConnectedSock("tls.test", server.port, {
          tls: { secureContext },
          handshakeInAttempt: true
        })
        expect((socket as Tls.TLSSocket).authorized).toBe(true)
      }).pipe(Effect.provide(names)))
  })
})
