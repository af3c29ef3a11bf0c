/**
 * `NodeHttpClient.layerUndici` and `NodeHttpClient.layer`: Effect's `HttpClient` with every
 * connection a Happy Eyeballs connect, against real HTTP and HTTPS servers on loopback.
 */
import type { NodeHappyEyeballs } from "@effect-stagger/node"
import { DialError, NodeHttpClient } from "@effect-stagger/node"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import { recordingTracer } from "../../core/test/support/tracer.js"
import { selfSigned } from "./support/certificate.js"
import { destroyedDuring } from "./support/destroyed.js"
import { behind, httpServer } from "./support/httpServers.js"
import { scripted } from "./support/lookups.js"
import { stalledServer } from "./support/servers.js"

const names = scripted({
  "refused.test": { 6: ["::1"], 4: ["127.0.0.1"] },
  "stalled.test": { 4: ["127.0.0.2", "127.0.0.1"] },
  "tls.test": { 4: ["127.0.0.1"] }
})

const credentials = Effect.cached(selfSigned).pipe(Effect.runSync)

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (response) => response.text)

/** The cause of a request's failure. */
const causeOf = <A, R>(effect: Effect.Effect<A, HttpClientError.HttpClientError, R>) =>
  Effect.map(Effect.flip(effect), (error) => {
    expect(error).toBeInstanceOf(HttpClientError.RequestError)
    expect(error).toMatchObject({ reason: "Transport" })
    return error.cause
  })

const clients = [
  ["layerUndici", NodeHttpClient.layerUndici],
  ["layer", NodeHttpClient.layer]
] as const

describe.each(clients)("NodeHttpClient.%s", (name, make) => {
  /** The client, built in a scope of the test's own: its pool is closed with that scope. */
  const client = (options?: NodeHappyEyeballs.ConnectOptions) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(make(options), scope)
      return { context, close: Scope.close(scope, Exit.void) }
    })

  it.scopedLive("a name whose first address refuses, then one that hangs: each request gets through", () =>
    Effect.gen(function*() {
      const refused = yield* behind("refused")
      const stalled = yield* behind("stalled")
      const { close, context } = yield* client({ delay: "50 millis" })
      const get = (url: string) => Effect.provide(text(url), context)
      expect(yield* get(`http://refused.test:${refused.server.port}/`)).toBe("127.0.0.1")
      expect(yield* get(`http://stalled.test:${stalled.server.port}/`)).toBe("127.0.0.1")
      yield* close
    }).pipe(Effect.provide(names)))

  it.scopedLive("connections are reused; closing the layer's scope closes every socket", () =>
    Effect.gen(function*() {
      const server = yield* httpServer("127.0.0.1")
      const { close, context } = yield* client()
      for (let i = 0; i < 3; i++) {
        yield* Effect.provide(text(server.url()), context)
        // A connection is free again a moment after its response (undici's pool would open another).
        yield* Effect.sleep("20 millis")
      }
      expect(server.connections()).toBe(1)
      expect(server.open()).toBe(1)
      yield* close
      yield* server.allClosed
    }).pipe(Effect.provide(names)))

  it.scopedLive("a failed connect is a RequestError whose cause is the library's error", () =>
    Effect.gen(function*() {
      const { server } = yield* behind("refused")
      const { close, context } = yield* client({ connectTimeout: "100 millis" })
      const refused = yield* causeOf(Effect.provide(text(`http://[::1]:${server.port}/`), context))
      expect(refused).toBeInstanceOf(DialError.DialError)
      const unknown = yield* causeOf(Effect.provide(text(`http://nowhere.test:${server.port}/`), context))
      expect(unknown).toMatchObject({ _tag: "ResolveError", host: "nowhere.test" })
      const { port } = yield* stalledServer("127.0.0.2")
      const timedOut = yield* causeOf(Effect.provide(text(`http://127.0.0.2:${port}/`), context))
      expect(Cause.isTimeoutException(timedOut)).toBe(true)
      yield* close
    }).pipe(Effect.provide(names)))

  it.scopedLive("interrupting a request mid-race, then closing the layer, closes every attempt", () =>
    Effect.gen(function*() {
      const { port } = yield* stalledServer("127.0.0.2")
      const { close, context } = yield* client()
      const [, destroyed] = yield* destroyedDuring(
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.provide(text(`http://127.0.0.2:${port}/`), context))
          yield* Effect.sleep("50 millis")
          yield* Fiber.interrupt(fiber)
          yield* close
        }),
        (socket) => (socket.connecting ? "connecting" : undefined)
      )
      expect(destroyed).toEqual(["connecting"])
    }).pipe(Effect.provide(names)))

  it.scopedLive("a connection's connect is traced in the trace of the request that opened it", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const server = yield* httpServer("127.0.0.1")
      const { close, context } = yield* client().pipe(Effect.withTracer(tracer))
      yield* Effect.provide(text(`http://tls.test:${server.port}/`), context).pipe(
        Effect.withSpan("caller"),
        Effect.withTracer(tracer)
      )
      yield* close
      const named = (name: string) => spans.filter((span) => span.name.startsWith(name))
      const [caller] = named("caller")
      const [request] = named("http.client")
      const [connect] = named("stagger.connect")
      expect(Option.map(request.parent, (parent) => parent.spanId)).toEqual(Option.some(caller.spanId))
      // undici connects from inside the request's span; @effect/platform-node calls
      // `http.request` (which connects at once) just before it enters that span.
      const expectedParent = name === "layerUndici" ? request : caller
      expect(Option.map(connect.parent, (parent) => parent.spanId)).toEqual(Option.some(expectedParent.spanId))
      expect(named("stagger.").map((span) => span.traceId)).toEqual(
        ["stagger.connect", "stagger.lookup", "stagger.lookup", "stagger.attempt"].map(() => request.traceId)
      )
    }).pipe(Effect.provide(names)))

  it.scopedLive("https: server name from the host, the CA of options.tls, trace events", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* httpServer("127.0.0.1", { tls: { key, cert } })
      const events = yield* Ref.make<ReadonlyArray<string>>([])
      const { close, context } = yield* client({
        tls: { ca: cert },
        onEvent: (event) => Ref.update(events, (all) => [...all, event._tag])
      })
      expect(yield* Effect.provide(text(`https://tls.test:${server.port}/`), context)).toBe("127.0.0.1")
      expect(server.handshakes.map((h) => h.servername)).toEqual(["tls.test"])
      expect(yield* Ref.get(events)).toEqual(["Resolved", "Resolved", "AttemptStarted", "Connected"])
      const untrusted = yield* client()
      const error = yield* causeOf(Effect.provide(text(`https://tls.test:${server.port}/`), untrusted.context))
      expect(error).toMatchObject({ _tag: "DialError", phase: "tls", code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      yield* untrusted.close
      yield* close
    }).pipe(Effect.provide(names)))
})

describe("NodeHttpClient.layerUndici's Agent options", () => {
  it.scopedLive("allowH2: ALPN offers h2 as well", () =>
    Effect.gen(function*() {
      const { cert, key } = yield* credentials
      const server = yield* httpServer("127.0.0.1", { tls: { key, cert } })
      const url = `https://tls.test:${server.port}/`
      const scope = yield* Scope.make()
      const plain = yield* Layer.buildWithScope(NodeHttpClient.layerUndici({ tls: { ca: cert } }), scope)
      const h2 = yield* Layer.buildWithScope(
        NodeHttpClient.layerUndici({ tls: { ca: cert } }, { allowH2: true }),
        scope
      )
      expect(yield* Effect.provide(text(url), plain)).toBe("127.0.0.1")
      expect(yield* Effect.provide(text(url), h2)).toBe("127.0.0.1")
      expect(server.offered).toEqual([["http/1.1"], ["http/1.1", "h2"]])
      yield* Scope.close(scope, Exit.void)
      yield* server.allClosed
    }).pipe(Effect.provide(names)))

  it.effect("a bad Agent option is a defect when the layer is built", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.scoped(Layer.build(NodeHttpClient.layerUndici({}, { maxOrigins: 0 })))
      ).pipe(Effect.provide(names))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    }))
})
