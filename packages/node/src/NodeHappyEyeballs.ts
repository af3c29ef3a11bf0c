/**
 * Happy Eyeballs (RFC 8305) TCP and TLS connections on Node: `HappyEyeballs.connectWith` over
 * `node:net` sockets, handed back as a `net.Socket`, an Effect `Socket`, a reader and writer,
 * or a `Layer`.
 *
 * Each attempt connects one `net.Socket` to one IP literal, with Node's own `autoSelectFamily`
 * off (it would race again inside the attempt, and abandons each address after 250 ms), bound
 * to a local address when asked. The socket's destroy finalizer is registered in the attempt's
 * scope before it connects, so a loser, an interrupted connect or a closed caller scope never
 * leaves a socket open.
 *
 * @since 0.1.0
 */
import type * as AddrInfo from "@effect-stagger/core/AddrInfo"
import type * as ConnectError from "@effect-stagger/core/ConnectError"
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import type * as HappyEyeballs from "@effect-stagger/core/HappyEyeballs"
import * as Socket from "@effect/platform/Socket"
import type * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as Net from "node:net"
import type * as Tls from "node:tls"
import type { DialError } from "./DialError.js"
import * as internal from "./internal/nodeHappyEyeballs.js"

export {
  /**
   * The error of one failed attempt (a TCP connect, a bind, a TLS handshake); defined in the
   * `DialError` module.
   *
   * @since 0.1.0
   * @category errors
   */
  DialError,
  /**
   * Whether a value is a `DialError`.
   *
   * @since 0.1.0
   * @category guards
   */
  isDialError
} from "./DialError.js"

/**
 * Options of the connect functions: those of `HappyEyeballs.connectWith` (`family`,
 * `localAddrs`, `delay`, `resolver`, `raiseExcGroup`, ...) less `dial`, and:
 *
 * - `resolutionDelay`, `firstAddressFamilyCount`: bound into the default concurrent resolver
 *   (`Resolver.concurrentResolver`); ignored when `resolver` is given.
 * - `tls`: `true`, or `node:tls` connection options, for a TLS connection; `false` (the
 *   default) for none. `servername` defaults to the host when the host is not an IP literal
 *   (fix: async_stagger's `ssl=True` failed
 *   without `server_hostname`), and the certificate is checked against the host. The
 *   `SecureContext` is made once, before any lookup, and shared by every handshake of the
 *   connect (unless `secureContext` is given): a key, certificate, cipher list or TLS version
 *   that Node cannot use fails the connect with `Cause.IllegalArgumentException`, before any
 *   I/O.
 * - `noDelay`, `keepAlive`: as `net.connect`'s, set on the winner's TCP socket once it has won
 *   (the losers are closed at once). `keepAlive` is `true`, `false` or `{ initialDelay }` (the
 *   idle time before the first probe; Node hands the kernel whole seconds). Unset: Node's
 *   defaults (Nagle on, no keep-alive).
 * - `connectTimeout`: a bound on the whole connect: lookups, race and TLS handshake. A connect
 *   still running then fails with `Cause.TimeoutException`, every attempt closed. Unset or
 *   infinite: no bound (a silently dropped address is still left behind after `delay`).
 * - `handshakeInAttempt`: with `tls`, whether the TLS handshake is part of each attempt
 *   (default `false`). When `true`, an address that accepts TCP but stalls or fails the
 *   handshake loses to the next one, as Happy Eyeballs v3 proposes; the price is a handshake
 *   started on every address that connects before the winner. When `false`, the handshake runs
 *   once, on the winner of the TCP race, and its failure is the connect's failure.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions
  extends Omit<HappyEyeballs.ConnectOptions<Net.Socket, DialError, never>, "host" | "port" | "dial">
{
  readonly resolutionDelay?: Duration.DurationInput | undefined
  readonly firstAddressFamilyCount?: number | undefined
  readonly tls?: boolean | Tls.ConnectionOptions | undefined
  readonly handshakeInAttempt?: boolean | undefined
  readonly noDelay?: boolean | undefined
  readonly keepAlive?: boolean | { readonly initialDelay: Duration.DurationInput } | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * Defaults for every connect of an app: any `ConnectOptions` but `tls`. Give them with
 * `layerDefaults`; an option passed to a call wins over its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface DefaultOptions extends Omit<ConnectOptions, "tls"> {}

/**
 * The identifier of the `Defaults` service.
 *
 * @since 0.1.0
 * @category tags
 */
export interface Defaults {
  readonly _: unique symbol
}

/**
 * The app's `DefaultOptions`; none unless a `layerDefaults` layer is provided.
 *
 * @since 0.1.0
 * @category tags
 */
export const Defaults: Context.Reference<Defaults, DefaultOptions> = internal.Defaults

/**
 * Provides defaults for every connect made under it. A `localAddrs` given here is read by each
 * connect, so give an array rather than a one-shot iterator.
 *
 * @example
 * ```ts
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect, Layer } from "effect"
 *
 * const defaults = NodeHappyEyeballs.layerDefaults({ delay: "100 millis", resolutionDelay: "20 millis" })
 * const program = NodeHappyEyeballs.createConnectedSock("example.com", 80).pipe(
 *   Effect.scoped,
 *   Effect.provide(Layer.merge(NodeGetAddrInfo.layer, defaults))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDefaults: (defaults: DefaultOptions) => Layer.Layer<Defaults> = internal.layerDefaults

/**
 * A connection as async_stagger's `(reader, writer)` pair.
 *
 * - `reader`: the bytes received. It reads only while pulled, so a slow consumer holds the peer
 *   back; it ends at the peer's FIN. It can be run again and goes on where the last run stopped
 *   (one run at a time).
 * - `write(chunk)`: writes and waits until Node has handed the chunk to the kernel; a chunk
 *   that is neither a string nor a `Uint8Array` is an `IllegalArgumentException`.
 * - `end`: half-closes (sends FIN after what was written); the reader goes on. Again after
 *   that, it completes at once; on a connection closed before it was ended, it fails with a
 *   `Write` `SocketError`, as `write` does.
 * - `socket`, `remote`, `local`: the socket (a `tls.TLSSocket` with TLS), the address that won
 *   and the local address bound for it, if any (async_stagger's `get_extra_info`).
 *
 * The connection is closed when the `Scope` of `openConnection` closes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly reader: Stream.Stream<Uint8Array, Socket.SocketError>
  readonly write: (
    chunk: Uint8Array | string
  ) => Effect.Effect<void, Socket.SocketError | Cause.IllegalArgumentException>
  readonly end: Effect.Effect<void, Socket.SocketError>
  readonly socket: Net.Socket
  readonly remote: AddrInfo.AddrInfo
  readonly local: AddrInfo.LocalAddress | undefined
}

/**
 * The dialer of the connect functions, for `HappyEyeballs.connectWith`: a TCP connect to one
 * IP literal with `autoSelectFamily` off, bound to `local` when given. The socket is destroyed
 * when the `Scope` closes; a failure is a `DialError` with the system's code.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dial: (
  remote: AddrInfo.AddrInfo,
  local: AddrInfo.LocalAddress | undefined
) => Effect.Effect<Net.Socket, DialError, Scope.Scope> = internal.dial

/**
 * Connects to `host:port` with Happy Eyeballs and returns the connected socket (async_stagger's
 * `create_connected_sock`).
 *
 * Details
 *
 * The host is resolved with the concurrent resolver over `GetAddrInfo` (an IP literal is not
 * resolved), the addresses are raced with staggered starts (`delay`, default 250 ms), and the
 * first socket to connect wins; every other is destroyed before this returns. The winner stays
 * open until the `Scope` closes. It is not read from: what the peer sends waits in the socket.
 * It carries an `error` listener that does nothing, so that a reset nobody listens for yet
 * cannot crash the process; listen for `error` and `close` as usual. With `tls` it is the
 * `tls.TLSSocket` over it, handshake done.
 *
 * Errors: a `DialError` when every attempt failed alike, a `ConnectError` holding each error
 * when they differ (or saying why nothing could be attempted), the `ResolveError` when the
 * host does not resolve, an `IllegalArgumentException` for a bad argument, before any I/O
 * (local addresses given as a Stream are checked as they arrive), a `TimeoutException` when
 * `connectTimeout` passed first.
 *
 * @example
 * ```ts
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const socket = yield* NodeHappyEyeballs.createConnectedSock("example.com", 80)
 *   return `${socket.remoteFamily} ${socket.remoteAddress}`
 * }).pipe(Effect.scoped, Effect.provide(NodeGetAddrInfo.layer))
 * // Effect.runPromise(program), on a host with working IPv6: "IPv6 2606:2800:..."
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const createConnectedSock: (
  host: string,
  port: number | string,
  options?: ConnectOptions
) => Effect.Effect<
  Net.Socket,
  | DialError
  | GetAddrInfo.ResolveError
  | ConnectError.ConnectError<DialError | GetAddrInfo.ResolveError>
  | Cause.IllegalArgumentException
  | Cause.TimeoutException,
  GetAddrInfo.GetAddrInfo | Scope.Scope
> = internal.createConnectedSock

/**
 * Connects like `createConnectedSock` and returns the connection as an Effect `Socket`
 * (`@effect/platform/Socket`, made with `NodeSocket.fromDuplex`), plain or TLS (async_stagger's
 * `create_connection`).
 *
 * @example
 * ```ts
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const socket = yield* NodeHappyEyeballs.createConnection("example.com", 443, { tls: true })
 *   const write = yield* socket.writer
 *   yield* write("HEAD / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
 *   yield* socket.run((chunk) => Effect.log(new TextDecoder().decode(chunk)))
 * }).pipe(Effect.scoped, Effect.provide(NodeGetAddrInfo.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const createConnection: (
  host: string,
  port: number | string,
  options?: ConnectOptions
) => Effect.Effect<
  Socket.Socket,
  | DialError
  | GetAddrInfo.ResolveError
  | ConnectError.ConnectError<DialError | GetAddrInfo.ResolveError>
  | Cause.IllegalArgumentException
  | Cause.TimeoutException,
  GetAddrInfo.GetAddrInfo | Scope.Scope
> = internal.createConnection

/**
 * Connects like `createConnectedSock` and returns a reader and a writer (async_stagger's
 * `open_connection`); see `Connection`.
 *
 * @example
 * ```ts
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const { end, reader, write } = yield* NodeHappyEyeballs.openConnection("example.com", 80)
 *   yield* write("HEAD / HTTP/1.0\r\nHost: example.com\r\n\r\n")
 *   yield* end
 *   return yield* reader.pipe(Stream.decodeText(), Stream.mkString)
 * }).pipe(Effect.scoped, Effect.provide(NodeGetAddrInfo.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const openConnection: (
  host: string,
  port: number | string,
  options?: ConnectOptions
) => Effect.Effect<
  Connection,
  | DialError
  | GetAddrInfo.ResolveError
  | ConnectError.ConnectError<DialError | GetAddrInfo.ResolveError>
  | Cause.IllegalArgumentException
  | Cause.TimeoutException,
  GetAddrInfo.GetAddrInfo | Scope.Scope
> = internal.openConnection

/**
 * A connection made with `createConnection` as a `Socket` layer: connected when the layer is
 * built, closed when it is released.
 *
 * @example
 * ```ts
 * import { Socket } from "@effect/platform"
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect, Layer } from "effect"
 *
 * const Upstream = NodeHappyEyeballs.layerSocket("example.com", 80).pipe(Layer.provide(NodeGetAddrInfo.layer))
 * const program = Effect.gen(function*() {
 *   const socket = yield* Socket.Socket
 *   const write = yield* socket.writer
 *   yield* write("HEAD / HTTP/1.0\r\n\r\n")
 * }).pipe(Effect.scoped, Effect.provide(Upstream))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSocket = (
  host: string,
  port: number | string,
  options?: ConnectOptions
): Layer.Layer<
  Socket.Socket,
  | DialError
  | GetAddrInfo.ResolveError
  | ConnectError.ConnectError<DialError | GetAddrInfo.ResolveError>
  | Cause.IllegalArgumentException
  | Cause.TimeoutException,
  GetAddrInfo.GetAddrInfo
> => Layer.scoped(Socket.Socket, internal.createConnection(host, port, options))
