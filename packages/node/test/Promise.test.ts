/**
 * `@effect-stagger/node/promise`: `connect`, `undiciConnector`, `httpAgent` and `httpsAgent`
 * against real HTTP and HTTPS servers on loopback.
 */
import * as ConnectError from "@effect-stagger/core/ConnectError"
import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import { DialError } from "@effect-stagger/node"
import { connect, httpAgent, httpsAgent, undiciConnector } from "@effect-stagger/node/promise"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Net from "node:net"
import * as Tls from "node:tls"
import * as Undici from "undici"
import { selfSigned } from "./support/certificate.js"
import { destroyedDuring } from "./support/destroyed.js"
import { behind, httpServer } from "./support/httpServers.js"
import { activeResources, backTo, stalledServer } from "./support/servers.js"

const credentials = Effect.cached(selfSigned).pipe(Effect.runSync)

/** A `dns.lookup`-compatible function over a table of names; it records each name asked. */
const lookupOf = (names: Readonly<Record<string, ReadonlyArray<string>>>) => {
  const asked: Array<string> = []
  const lookup: Net.LookupFunction = (hostname, options, callback) => {
    asked.push(hostname)
    const addresses = names[hostname]
    setImmediate(() => {
      if (addresses === undefined) {
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), [])
      }
      const family = options.family ?? 0
      callback(
        null,
        addresses
          .map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
          .filter((a) => family === 0 || a.family === family)
      )
    })
  }
  return { lookup, asked }
}

/** The first address of each name refuses or hangs; the second serves. */
const names = lookupOf({
  "refused.test": ["::1", "127.0.0.1"],
  "stalled.test": ["127.0.0.2", "127.0.0.1"],
  "tls.test": ["127.0.0.1"]
})

const rejection = (promise: () => Promise<unknown>) =>
  Effect.flip(Effect.tryPromise({ try: promise, catch: (error) => error }))

const body = (response: Http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = ""
    response.setEncoding("utf8")
    response.on("data", (chunk: string) => (text += chunk))
    response.on("end", () => resolve(text))
    response.on("error", reject)
  })

const get = (url: string, options: Https.RequestOptions) =>
  new Promise<string>((resolve, reject) => {
    const request = (url.startsWith("https:") ? Https : Http).get(url, options, (response) =>
      body(response).then(resolve, reject))
    request.on("error", reject)
  })

const undiciGet = (dispatcher: Undici.Dispatcher, url: string) =>
  Undici.request(url, { dispatcher }).then((response) => response.body.text())

describe("connect", () => {
  it.scopedLive("a name whose first address refuses connects to the next", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("refused")
      const socket = yield* Effect.promise(() => connect("refused.test", server.port, { lookup: names.lookup }))
      expect(socket.remoteAddress).toBe("127.0.0.1")
      socket.destroy()
    }))

  it.scopedLive("an address that hangs is left behind after the delay", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("stalled")
      const baseline = activeResources()
      const socket = yield* Effect.promise(() =>
        connect("stalled.test", server.port, { lookup: names.lookup, delay: "50 millis" })
      )
      expect(socket.remoteAddress).toBe("127.0.0.1")
      socket.destroy()
      yield* backTo(baseline)
    }))

  it.scopedLive("the socket is the caller's: it stays open until the caller destroys it", () =>
    Effect.gen(function*() {
      const server = yield* httpServer("127.0.0.1")
      const socket = yield* Effect.promise(() => connect("127.0.0.1", server.port))
      yield* Effect.sleep("50 millis")
      expect(socket.destroyed).toBe(false)
      expect(server.open()).toBe(1)
      socket.destroy()
      yield* server.allClosed
    }))

  it.scopedLive("abort mid-race rejects with an AbortError and closes every attempt at once", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const controller = new AbortController()
      const reason = new Error("enough")
      const [error, destroyed] = yield* destroyedDuring(
        rejection(() => {
          const connecting = connect("127.0.0.2", port, {
            signal: controller.signal,
            localAddrs: [{ address: "127.0.0.3" }, { address: "127.0.0.4" }],
            delay: "10 millis"
          })
          setTimeout(() => controller.abort(reason), 60)
          return connecting
        }),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ name: "AbortError", cause: reason })
      expect(destroyed).toEqual(["connecting", "connecting"])
    }))

  it.scopedLive("an aborted signal rejects before any lookup", () =>
    Effect.gen(function*() {
      const { asked, lookup } = lookupOf({})
      const error = yield* rejection(() => connect("x.test", 80, { lookup, signal: AbortSignal.abort("no") }))
      expect(error).toMatchObject({ name: "AbortError", cause: "no" })
      expect(asked).toEqual([])
    }))

  it.scopedLive("connectTimeout rejects with TimeoutException, every attempt closed", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const [error, destroyed] = yield* destroyedDuring(
        rejection(() => connect("127.0.0.2", port, { connectTimeout: "80 millis" })),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(Cause.isTimeoutException(error)).toBe(true)
      expect(String((error as Error).message)).toMatch(/^connect to 127\.0\.0\.2:\d+ timed out after 80ms/)
      expect(destroyed).toEqual(["connecting"])
    }))

  it.scopedLive("rejects with the library's own errors, not a FiberFailure", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("refused")
      const refused = yield* rejection(() => connect("::1", server.port))
      expect(refused).toBeInstanceOf(DialError.DialError)
      expect(refused).toMatchObject({ _tag: "DialError", code: "ECONNREFUSED" })
      const unknown = yield* rejection(() => connect("nowhere.test", 80, { lookup: names.lookup }))
      expect(unknown).toBeInstanceOf(GetAddrInfo.ResolveError)
      const mixed = yield* rejection(() =>
        connect("refused.test", server.port, {
          lookup: names.lookup,
          family: 6,
          localAddrs: [{ address: "127.0.0.1" }]
        })
      )
      expect(mixed).toBeInstanceOf(ConnectError.ConnectError)
    }))

  it.scopedLive("a bad argument rejects with IllegalArgumentException before any lookup", () =>
    Effect.gen(function*() {
      const { asked, lookup } = lookupOf({ "x.test": ["127.0.0.1"] })
      for (
        const options of [{ connectTimeout: -1 }, { keepAlive: { initialDelay: Number.NaN } }, {
          tls: { ciphers: "NOPE" }
        }]
      ) {
        const error = yield* rejection(() => connect("x.test", 80, { lookup, ...options }))
        expect(error).toBeInstanceOf(Cause.IllegalArgumentException)
      }
      expect(yield* rejection(() => connect("x.test", 0, { lookup }))).toBeInstanceOf(Cause.IllegalArgumentException)
      expect(asked).toEqual([])
    }))

  it.scopedLive("tls: the server name from the host, the CA given, ALPN as asked", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* httpServer("127.0.0.1", { tls: { key, cert } })
      const socket = yield* Effect.promise(() =>
        connect("tls.test", server.port, { lookup: names.lookup, tls: { ca: cert, ALPNProtocols: ["http/1.1"] } })
      )
      expect(socket).toBeInstanceOf(Tls.TLSSocket)
      expect((socket as Tls.TLSSocket).alpnProtocol).toBe("http/1.1")
      socket.destroy()
      expect(server.offered).toEqual([["http/1.1"]])
      const error = yield* rejection(() => connect("tls.test", server.port, { lookup: names.lookup, tls: true }))
      expect(error).toMatchObject({ _tag: "DialError", phase: "tls", code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
    }))
})

describe("undiciConnector", () => {
  it.scopedLive("GETs through a name whose first address refuses, then one that hangs", () =>
    Effect.gen(function*() {
      const refused = yield* behind("refused")
      const stalled = yield* behind("stalled")
      const dispatcher = new Undici.Agent({ connect: undiciConnector({ lookup: names.lookup, delay: "50 millis" }) })
      yield* Effect.addFinalizer(() => Effect.promise(() => dispatcher.destroy()))
      expect(yield* Effect.promise(() => undiciGet(dispatcher, `http://refused.test:${refused.server.port}/`)))
        .toBe("127.0.0.1")
      expect(yield* Effect.promise(() => undiciGet(dispatcher, `http://stalled.test:${stalled.server.port}/`)))
        .toBe("127.0.0.1")
    }))

  it.scopedLive("keeps connections alive and reuses them; close() closes every socket", () =>
    Effect.gen(function*() {
      const server = yield* httpServer("127.0.0.1")
      // One connection per origin: undici's pool opens a second one when a request follows the
      // last so closely that its connection is not free yet.
      const dispatcher = new Undici.Agent({ connect: undiciConnector(), connections: 1 })
      for (let i = 0; i < 3; i++) yield* Effect.promise(() => undiciGet(dispatcher, server.url()))
      expect(server.connections()).toBe(1)
      expect(server.open()).toBe(1)
      yield* Effect.promise(() => dispatcher.close())
      yield* server.allClosed
    }))

  it.scopedLive("a failed connect fails the request with the library's error", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("refused")
      const dispatcher = new Undici.Agent({ connect: undiciConnector() })
      yield* Effect.addFinalizer(() => Effect.promise(() => dispatcher.destroy()))
      const error = yield* rejection(() => undiciGet(dispatcher, `http://[::1]:${server.port}/`))
      expect(error).toBeInstanceOf(DialError.DialError)
      expect(error).toMatchObject({ code: "ECONNREFUSED", remote: { address: "::1" } })
    }))

  it.scopedLive("its signal aborts the connects running and closes their attempts", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const controller = new AbortController()
      const dispatcher = new Undici.Agent({ connect: undiciConnector({ signal: controller.signal }) })
      yield* Effect.addFinalizer(() => Effect.promise(() => dispatcher.destroy()))
      const [error, destroyed] = yield* destroyedDuring(
        rejection(() => {
          setTimeout(() => controller.abort("stop"), 50)
          return undiciGet(dispatcher, `http://127.0.0.2:${port}/`)
        }),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(error).toMatchObject({ name: "AbortError", cause: "stop" })
      expect(destroyed).toEqual(["connecting"])
    }))

  it.scopedLive("connectTimeout fails the request with TimeoutException", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const dispatcher = new Undici.Agent({ connect: undiciConnector({ connectTimeout: "50 millis" }) })
      yield* Effect.addFinalizer(() => Effect.promise(() => dispatcher.destroy()))
      const error = yield* rejection(() => undiciGet(dispatcher, `http://127.0.0.2:${port}/`))
      expect(Cause.isTimeoutException(error)).toBe(true)
    }))

  it.scopedLive("https: server name, ALPN http/1.1 (and h2 with allowH2), the CA, session reuse", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* httpServer("127.0.0.1", { tls: { key, cert } })
      const connector = undiciConnector({ lookup: names.lookup, tls: { ca: cert } })
      const dispatcher = new Undici.Agent({ connect: connector })
      const h2 = new Undici.Agent({ connect: connector, allowH2: true })
      yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([dispatcher.destroy(), h2.destroy()])))
      const url = `https://tls.test:${server.port}`
      // The first response closes its connection: the second needs a new one, and resumes.
      yield* Effect.promise(() => undiciGet(dispatcher, `${url}/close`))
      yield* Effect.promise(() => undiciGet(dispatcher, `${url}/`))
      yield* Effect.promise(() => undiciGet(h2, `${url}/`))
      expect(server.handshakes.map(({ resumed, servername }) => ({ resumed, servername }))).toEqual([
        { servername: "tls.test", resumed: false },
        { servername: "tls.test", resumed: true },
        // Offering other protocols, OpenSSL does not resume: a full handshake.
        { servername: "tls.test", resumed: false }
      ])
      expect(server.offered).toEqual([["http/1.1"], ["http/1.1"], ["http/1.1", "h2"]])
      // An IP literal sends no server name; without the CA the certificate is refused.
      const plain = new Undici.Agent({ connect: undiciConnector() })
      yield* Effect.addFinalizer(() => Effect.promise(() => plain.destroy()))
      const error = yield* rejection(() => undiciGet(plain, server.url()))
      expect(error).toMatchObject({ _tag: "DialError", code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      const trusting = new Undici.Agent({ connect: undiciConnector({ tls: { rejectUnauthorized: false } }) })
      yield* Effect.addFinalizer(() => Effect.promise(() => trusting.destroy()))
      yield* Effect.promise(() => undiciGet(trusting, server.url()))
      expect(server.handshakes.at(-1)?.servername).toBe(false)
    }))

  it("bad options throw IllegalArgumentException when it is made", () => {
    expect(() => undiciConnector({ connectTimeout: "soon" as never })).toThrow(Cause.IllegalArgumentException)
    expect(() => undiciConnector({ tls: { ciphers: "NOPE" } })).toThrow(/tls: options Node cannot use/)
  })
})

describe("httpAgent, httpsAgent", () => {
  it.scopedLive("GETs through a name whose first address refuses, then one that hangs", () =>
    Effect.gen(function*() {
      const refused = yield* behind("refused")
      const stalled = yield* behind("stalled")
      const agent = httpAgent({ lookup: names.lookup, delay: "50 millis" })
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      expect(yield* Effect.promise(() => get(`http://refused.test:${refused.server.port}/`, { agent }))).toBe(
        "127.0.0.1"
      )
      expect(yield* Effect.promise(() => get(`http://stalled.test:${stalled.server.port}/`, { agent }))).toBe(
        "127.0.0.1"
      )
    }))

  it.scopedLive("keeps connections alive and reuses them; destroy() closes every socket", () =>
    Effect.gen(function*() {
      const server = yield* httpServer("127.0.0.1")
      const agent = httpAgent()
      for (let i = 0; i < 3; i++) yield* Effect.promise(() => get(server.url(), { agent }))
      expect(server.connections()).toBe(1)
      agent.destroy()
      yield* server.allClosed
    }))

  it.scopedLive("a failed connect is the request's error", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("refused")
      const agent = httpAgent()
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      const refused = yield* rejection(() => get(`http://[::1]:${server.port}/`, { agent }))
      expect(refused).toBeInstanceOf(DialError.DialError)
    }))

  it.scopedLive("connectTimeout fails the request with TimeoutException", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const agent = httpAgent({ connectTimeout: "50 millis" })
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      const timedOut = yield* rejection(() => get(`http://127.0.0.2:${port}/`, { agent }))
      expect(Cause.isTimeoutException(timedOut)).toBe(true)
    }))

  it.scopedLive("its signal, and destroy(), end the connects running and close their attempts", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const controller = new AbortController()
      const agent = httpAgent({ signal: controller.signal })
      const [aborted, destroyed] = yield* destroyedDuring(
        rejection(() => {
          setTimeout(() => controller.abort("stop"), 30)
          return get(`http://127.0.0.2:${port}/`, { agent })
        }),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(aborted).toMatchObject({ name: "AbortError", cause: "stop" })
      expect(destroyed).toEqual(["connecting"])
      const other = httpAgent()
      const [closed, closedAttempts] = yield* destroyedDuring(
        rejection(() => {
          setTimeout(() => other.destroy(), 30)
          return get(`http://127.0.0.2:${port}/`, { agent: other })
        }),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(closed).toMatchObject({ name: "AbortError" })
      expect(closedAttempts).toEqual(["connecting"])
    }))

  it.scopedLive("https: server name, the CA, ALPN as the request asks, session reuse", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* httpServer("127.0.0.1", { tls: { key, cert } })
      const agent = httpsAgent({ lookup: names.lookup, tls: { ca: cert }, handshakeInAttempt: true })
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      const url = `https://tls.test:${server.port}`
      // A TLS option of the request (Node's types leave ALPN out of them).
      const alpn = { ALPNProtocols: ["http/1.1"] }
      yield* Effect.promise(() => get(`${url}/close`, { agent, ...alpn }))
      yield* Effect.promise(() => get(`${url}/`, { agent, ...alpn }))
      yield* Effect.promise(() => get(`${url}/`, { agent, ...alpn }))
      expect(server.connections()).toBe(2)
      expect(server.offered).toEqual([["http/1.1"], ["http/1.1"]])
      expect(server.handshakes).toEqual([
        { servername: "tls.test", alpn: "http/1.1", resumed: false },
        { servername: "tls.test", alpn: "http/1.1", resumed: true }
      ])
      const error = yield* rejection(() => get(server.url(), { agent: httpsAgent() }))
      expect(error).toMatchObject({ _tag: "DialError", code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      expect(yield* Effect.promise(() => get(server.url(), { agent, rejectUnauthorized: false }))).toBe("127.0.0.1")
      expect(server.handshakes.at(-1)?.servername).toBe(false)
      agent.destroy()
      yield* server.allClosed
    }))
})
