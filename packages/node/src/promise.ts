/**
 * Happy Eyeballs for code without Effect: a Promise `connect`, a connector for undici, and
 * agents for `node:http` and `node:https`. Import it as `@effect-stagger/node/promise`.
 *
 * Each connection is the same connect as `NodeHappyEyeballs.createConnectedSock`: staggered
 * attempts over every address, local addresses, `Trace` events through `onEvent`, TLS in or
 * after the race. They follow Node's conventions: names are resolved with the system's
 * `getaddrinfo` (`dns.lookup`), or with the `lookup` given, a `dns.lookup`-compatible function
 * as `net.connect` takes it; `signal` aborts; the socket handed over is the caller's, to read,
 * write and destroy.
 *
 * Failures are the library's own errors, the same instances an Effect program sees:
 * `DialError`, `ConnectError`, `ResolveError`, `Cause.IllegalArgumentException` (a bad argument,
 * before any lookup or socket), `Cause.TimeoutException` (`connectTimeout`). An abort is an
 * `Error` whose `name` is `"AbortError"` and whose `cause` is the signal's reason; every attempt
 * is closed by then.
 *
 * @since 0.2.0
 */
import type * as Http from "node:http"
import type * as Https from "node:https"
import type * as Net from "node:net"
import type * as Undici from "undici"
import * as edge from "./internal/edge.js"
import * as httpAgents from "./internal/httpAgents.js"
import * as undiciConnectorInternal from "./internal/undiciConnector.js"
import type * as NodeHappyEyeballs from "./NodeHappyEyeballs.js"

/**
 * Options of the Promise API: `NodeHappyEyeballs.ConnectOptions`, and
 *
 * - `signal`: aborting it ends the connect (for a connector or agent: every connect it runs,
 *   and every later one).
 * - `lookup`: resolves names instead of the system's `getaddrinfo`, called as `net.connect`
 *   calls it (`(hostname, { all: true, family }, callback)`); a function that answers one
 *   address is fine too. A `GetAddrInfo` lookup is made of it per family, so the concurrent
 *   resolver still asks for AAAA and A apart.
 *
 * @since 0.2.0
 * @category models
 */
export interface PromiseOptions extends NodeHappyEyeballs.ConnectOptions {
  readonly signal?: AbortSignal | undefined
  readonly lookup?: Net.LookupFunction | undefined
}

/**
 * Options of `httpAgent` and `httpsAgent`: `PromiseOptions`, and `agent`, the options of the
 * `http.Agent` itself (`maxSockets`, `keepAliveMsecs`, `maxCachedSessions`, ...). HTTP
 * keep-alive is on unless `agent.keepAlive` is `false`, as for Node's global agent.
 *
 * @since 0.2.0
 * @category models
 */
export interface AgentOptions extends PromiseOptions {
  readonly agent?: Https.AgentOptions | undefined
}

const split = <O extends PromiseOptions>(options: O | undefined) => {
  const { lookup, signal, ...rest } = options ?? {}
  return { runtime: edge.runtimeOf(lookup), signal, rest }
}

/**
 * Connects to `host:port` with Happy Eyeballs and resolves with the connected socket (a
 * `tls.TLSSocket` with `tls`, its handshake done). The socket is the caller's: the library
 * never closes it after handing it over.
 *
 * @example
 * ```ts
 * import { connect } from "@effect-stagger/node/promise"
 *
 * export const head = async (signal: AbortSignal) => {
 *   const socket = await connect("example.com", 443, { tls: true, connectTimeout: "5 seconds", signal })
 *   socket.end("HEAD / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
 *   return socket
 * }
 * // failures reject with DialError, ConnectError, ResolveError, IllegalArgumentException,
 * // TimeoutException, or an AbortError when `signal` aborts
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const connect = (host: string, port: number | string, options?: PromiseOptions): Promise<Net.Socket> => {
  const { rest, runtime, signal } = split(options)
  return new Promise((resolve, reject) =>
    edge.run(
      runtime,
      host,
      port,
      rest,
      [signal],
      (error, dialed) => dialed === undefined ? reject(error) : resolve(dialed.socket)
    )
  )
}

/**
 * A connector for undici: give it as `connect` to an `Agent`, `Pool` or `Client`, and every
 * connection they open is a Happy Eyeballs connect.
 *
 * Details
 *
 * For `https:` origins it does the TLS handshake as undici's own connector does: the server
 * name from the request's host (none for an IP literal), ALPN `http/1.1`, with `h2` first when
 * the Agent's `allowH2` is on, one session kept per server name. `tls` gives the other TLS
 * options (`ca`, `cert`, `key`, `rejectUnauthorized`, ...), read once. Unless given, the options
 * of undici's own connector apply: `noDelay: true`, `keepAlive` after 60 s, `connectTimeout`
 * 10 s. Bad options throw an `IllegalArgumentException` here; a failed connect fails the
 * request with the library's error.
 *
 * @example
 * ```ts
 * import { undiciConnector } from "@effect-stagger/node/promise"
 * import { Agent, request } from "undici"
 *
 * const dispatcher = new Agent({ connect: undiciConnector(), allowH2: true })
 *
 * export const status = async (url: string) => {
 *   const { body, statusCode } = await request(url, { dispatcher })
 *   await body.dump()
 *   return statusCode
 * }
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const undiciConnector = (options?: PromiseOptions): Undici.buildConnector.connector => {
  const { rest, runtime, signal } = split(options)
  return undiciConnectorInternal.make(runtime, rest, [signal])
}

/**
 * An `http.Agent` whose new connections are Happy Eyeballs connects; it pools and reuses them
 * as Node's agents do. `destroy()` closes its sockets and ends its connects still running.
 * `tls` does not apply (HTTP has none; see `httpsAgent`).
 *
 * @example
 * ```ts
 * import { httpAgent } from "@effect-stagger/node/promise"
 * import * as Http from "node:http"
 *
 * const agent = httpAgent({ noDelay: true })
 *
 * export const get = (url: string) =>
 *   Http.get(url, { agent }, (response) => {
 *     response.resume()
 *   })
 * // agent.destroy() closes its sockets when the program is done
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const httpAgent = (options?: AgentOptions): Http.Agent => {
  const { agent, ...promiseOptions } = options ?? {}
  const { rest, runtime, signal } = split(promiseOptions)
  return httpAgents.makeHttp(runtime, rest, [signal], agent)
}

/**
 * An `https.Agent` whose new connections are Happy Eyeballs connects with TLS: the server name
 * from the request's host (none for an IP literal), the agent's and the request's TLS options
 * (`ca`, `cert`, `rejectUnauthorized`, `ALPNProtocols`, ...), one session kept per pool for the
 * next handshake, as `https.Agent` does; `handshakeInAttempt` puts the handshake in each
 * attempt. `destroy()` closes its sockets and ends its connects still running.
 *
 * @example
 * ```ts
 * import { httpsAgent } from "@effect-stagger/node/promise"
 * import * as Https from "node:https"
 *
 * const agent = httpsAgent({ connectTimeout: "5 seconds", handshakeInAttempt: true })
 *
 * export const get = (url: string) =>
 *   Https.get(url, { agent }, (response) => {
 *     response.resume()
 *   })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const httpsAgent = (options?: AgentOptions): Https.Agent => {
  const { agent, ...promiseOptions } = options ?? {}
  const { rest, runtime, signal } = split(promiseOptions)
  return httpAgents.makeHttps(runtime, rest, [signal], agent)
}
