/**
 * undici's `connect` function over Happy Eyeballs: what `new undici.Agent({ connect })` calls
 * for each new connection, and what `NodeHttpClient.layerUndici` gives its Agent.
 *
 * It does what undici's own connector (`buildConnector`) does around the connect: the server
 * name from the request's host, ALPN `http/1.1` (and `h2` when the Agent's `allowH2` is on),
 * one TLS session kept per server name for the next handshake, and its defaults: `noDelay`,
 * TCP keep-alive after 60 s idle, a 10 s connect timeout. The `SecureContext` (CAs,
 * certificate) is made once per connector, not per connection.
 *
 * @internal
 */
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import type * as Cause from "effect/Cause"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type * as Runtime from "effect/Runtime"
import type * as Net from "node:net"
import * as Tls from "node:tls"
import type * as Undici from "undici"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import * as edge from "./edge.js"
import * as nodeHappyEyeballs from "./nodeHappyEyeballs.js"
import * as SocketOptions from "./socketOptions.js"
import * as TlsSessions from "./tlsSessions.js"

/** undici's `buildConnector` defaults: `noDelay`, keep-alive after 60 s, a 10 s connect timeout. */
export const undiciDefaults: NodeHappyEyeballs.ConnectOptions = {
  noDelay: true,
  keepAlive: { initialDelay: "60 seconds" },
  connectTimeout: "10 seconds"
}

/**
 * The TLS options every handshake of a connector or agent shares, with their `SecureContext`
 * made now, once: options Node cannot use are named at once, by an `IllegalArgumentException`.
 */
export const sharedTls = (
  tls: boolean | Tls.ConnectionOptions | null | undefined
): Either.Either<Tls.ConnectionOptions, Cause.IllegalArgumentException> =>
  nodeHappyEyeballs.withSecureContext(typeof tls === "object" && tls !== null ? tls : {})

/** Checks the options a connector or agent is made with; throws, as Node's constructors do. */
export const checkOrThrow = (options: NodeHappyEyeballs.ConnectOptions): Tls.ConnectionOptions => {
  const socket = SocketOptions.check(options)
  if (Either.isLeft(socket)) throw socket.left
  const tls = sharedTls(options.tls)
  if (Either.isLeft(tls)) throw tls.left
  return tls.right
}

/** `[::1]` as URLs write it, `::1` as sockets take it. */
export const unbracket = (host: string): string => host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host

/** TLS over a socket undici already has (a proxy's CONNECT tunnel): no race to run. */
const upgrade = (
  socket: Net.Socket,
  tls: Tls.ConnectionOptions,
  callback: Undici.buildConnector.Callback
): void => {
  const secure = Tls.connect({ ...tls, socket })
  const onError = (error: Error) => callback(error, null)
  secure.once("error", onError)
  secure.once("secureConnect", () => {
    secure.off("error", onError)
    callback(null, secure)
  })
}

/**
 * A connector: each call is one Happy Eyeballs connect with `options`, run in `runtime`, ended
 * by any of `signals` aborting, and held in `running` while it runs.
 */
export const make = (
  runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>,
  options: NodeHappyEyeballs.ConnectOptions,
  signals: ReadonlyArray<AbortSignal | undefined>,
  running?: edge.Running
): Undici.buildConnector.connector => {
  const merged = { ...undiciDefaults, ...options }
  const tls = checkOrThrow(merged)
  const sessions = TlsSessions.make()
  return (connectOptions, callback) => {
    const { hostname, httpSocket, localAddress, port, protocol, servername } = connectOptions
    const host = unbracket(hostname)
    const https = protocol === "https:"
    const allowH2 = Predicate.hasProperty(connectOptions, "allowH2") && connectOptions.allowH2 === true
    const key = servername || host
    const secure: Tls.ConnectionOptions | undefined = https ?
      {
        ...tls,
        ...(servername ? { servername } : undefined),
        ALPNProtocols: allowH2 ? ["http/1.1", "h2"] : ["http/1.1"],
        session: sessions.get(key)
      } :
      undefined
    if (httpSocket !== undefined && secure !== undefined) {
      return upgrade(httpSocket, nodeHappyEyeballs.tlsOptions(host, secure), callback)
    }
    edge.run(
      runtime,
      host,
      port === "" || port === undefined ? (https ? 443 : 80) : port,
      {
        ...merged,
        tls: secure,
        ...(localAddress ? { localAddrs: [{ address: localAddress }] } : undefined)
      },
      signals,
      (error, dialed) => {
        if (dialed === undefined) callback(error instanceof Error ? error : new Error(String(error)), null)
        else callback(null, dialed.socket)
      },
      { running, onTlsSocket: secure === undefined ? undefined : (socket) => sessions.track(key, socket) }
    )
  }
}
