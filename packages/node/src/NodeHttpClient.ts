/**
 * Effect's `HttpClient` with Happy Eyeballs: every connection it opens is a
 * `NodeHappyEyeballs` connect. Provide one layer, and every request of the app gets it.
 *
 * These are `@effect/platform-node`'s clients (undici, or `node:http`), whose pools open their
 * connections through the connector and agents of `@effect-stagger/node/promise`, run in the
 * layer's own runtime: the `GetAddrInfo` provided to the layer resolves, `layerDefaults`
 * apply, and each connect's spans go to the app's tracer, in the trace of the request that
 * opened the connection. Connections are pooled and reused as usual; closing the layer's scope
 * closes the pool, every socket and every connect still running.
 *
 * A failed connect fails the request with an `HttpClientError.RequestError` (`reason`
 * `"Transport"`) whose `cause` is the connect's own error: `DialError`, `ConnectError`,
 * `ResolveError` or `Cause.TimeoutException`.
 *
 * @since 0.2.0
 */
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import type * as PlatformHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Undici from "undici"
import * as internal from "./internal/nodeHttpClient.js"
import type * as NodeHappyEyeballs from "./NodeHappyEyeballs.js"

/**
 * An `HttpClient` over an undici `Agent` whose every connection is a Happy Eyeballs connect
 * (`@effect/platform-node`'s `layerUndici`, with our connector).
 *
 * Details
 *
 * HTTPS is negotiated as undici does: the server name from the request's host (none for an IP
 * literal), ALPN `http/1.1`, a session reused per server name; `options.tls` gives the CA,
 * certificate and `rejectUnauthorized`. Unless given, undici's connector defaults apply:
 * `noDelay: true`, `keepAlive` after 60 s, `connectTimeout` 10 s. A bad option is a defect
 * (`IllegalArgumentException`) when the layer is built. `agentOptions` are undici's `Agent`
 * options (`allowH2`, `connections`, `keepAliveTimeout`, ...), less `connect`: with `allowH2`,
 * ALPN offers `h2` as well.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { NodeGetAddrInfo, NodeHttpClient } from "@effect-stagger/node"
 * import { Effect, Layer } from "effect"
 *
 * const Http = NodeHttpClient.layerUndici({ connectTimeout: "5 seconds" }, { allowH2: true }).pipe(
 *   Layer.provide(NodeGetAddrInfo.layer)
 * )
 * const program = HttpClient.get("https://example.com/").pipe(
 *   Effect.flatMap((response) => response.text),
 *   Effect.provide(Http)
 * )
 * // Effect<string, HttpClientError>: a failed connect's RequestError has our error as `cause`
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerUndici: (
  options?: NodeHappyEyeballs.ConnectOptions,
  agentOptions?: AgentOptions
) => Layer.Layer<HttpClient.HttpClient, never, GetAddrInfo.GetAddrInfo> = internal.layerUndici

/**
 * undici's `Agent` options for `layerUndici` and `makeDispatcher`, less `connect`: the
 * connector is ours.
 *
 * @since 0.2.0
 * @category models
 */
export type AgentOptions = Omit<Undici.Agent.Options, "connect">

/**
 * The undici `Agent` of `layerUndici`, closed with the `Scope`: for `@effect/platform-node`'s
 * `NodeHttpClient.Dispatcher`, or for undici's own API.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeDispatcher: (
  options?: NodeHappyEyeballs.ConnectOptions,
  agentOptions?: AgentOptions
) => Effect.Effect<Undici.Dispatcher, never, GetAddrInfo.GetAddrInfo | Scope.Scope> = internal.makeDispatcher

/**
 * An `HttpClient` over `node:http` and `node:https` agents whose every connection is a Happy
 * Eyeballs connect (`@effect/platform-node`'s `layer`, with our agents).
 *
 * Details
 *
 * HTTPS as `https.Agent` does it: the server name from the request's host (none for an IP
 * literal), a session reused per pool; `options.tls` gives the CA, certificate,
 * `rejectUnauthorized` and `ALPNProtocols`. HTTP keep-alive is on, as for Node's global agent.
 * A bad option is a defect (`IllegalArgumentException`) when the layer is built.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { NodeGetAddrInfo, NodeHttpClient } from "@effect-stagger/node"
 * import { Effect, Layer } from "effect"
 *
 * const Http = NodeHttpClient.layer({ noDelay: true }).pipe(Layer.provide(NodeGetAddrInfo.layer))
 * const program = HttpClient.get("http://example.com/").pipe(
 *   Effect.flatMap((response) => response.text),
 *   Effect.provide(Http)
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: (
  options?: NodeHappyEyeballs.ConnectOptions
) => Layer.Layer<HttpClient.HttpClient, never, GetAddrInfo.GetAddrInfo> = internal.layer

/**
 * The `http` and `https` agents of `layer`, destroyed with the `Scope`: for
 * `@effect/platform-node`'s `NodeHttpClient.HttpAgent`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeAgent: (
  options?: NodeHappyEyeballs.ConnectOptions
) => Effect.Effect<PlatformHttpClient.HttpAgent, never, GetAddrInfo.GetAddrInfo | Scope.Scope> = internal.makeAgent
