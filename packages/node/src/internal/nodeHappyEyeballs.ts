/**
 * The Node entry points: app-wide defaults merged with each call's options, the TCP dial with
 * the TLS handshake inside or after the race, and the connected socket in the shape asked for.
 *
 * @internal
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import type * as ConnectError from "@effect-stagger/core/ConnectError"
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as HappyEyeballs from "@effect-stagger/core/HappyEyeballs"
import * as Resolver from "@effect-stagger/core/Resolver"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import type * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Net from "node:net"
import * as Tls from "node:tls"
import type { DialError } from "../DialError.js"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import * as connection from "./connection.js"
import * as dialer from "./dial.js"
import * as SocketOptions from "./socketOptions.js"
import { codeOf, messageOf, truncated } from "./systemError.js"

type RaceFailure =
  | DialError
  | GetAddrInfo.ResolveError
  | ConnectError.ConnectError<DialError | GetAddrInfo.ResolveError>
  | Cause.IllegalArgumentException

/** @internal */
export type Failure = RaceFailure | Cause.TimeoutException

const noDefaults: NodeHappyEyeballs.DefaultOptions = {}

/** @internal */
export const Defaults = Context.Reference<NodeHappyEyeballs.Defaults>()(
  "@effect-stagger/node/NodeHappyEyeballs/Defaults",
  { defaultValue: (): NodeHappyEyeballs.DefaultOptions => noDefaults }
)

/** @internal */
export const layerDefaults = (defaults: NodeHappyEyeballs.DefaultOptions): Layer.Layer<NodeHappyEyeballs.Defaults> =>
  Layer.succeed(Defaults, defaults)

/** An explicit option wins over the app's default; an option given as `undefined` is not given. */
const withDefaults = (
  defaults: NodeHappyEyeballs.DefaultOptions,
  options: NodeHappyEyeballs.ConnectOptions | undefined
): NodeHappyEyeballs.ConnectOptions => {
  if (defaults === noDefaults) return options ?? noDefaults
  if (options === undefined) return defaults
  const merged: NodeHappyEyeballs.ConnectOptions = { ...defaults }
  for (const key of Object.keys(options) as Array<keyof NodeHappyEyeballs.ConnectOptions>) {
    if (options[key] !== undefined) Object.assign(merged, { [key]: options[key] })
  }
  return merged
}

/**
 * `resolutionDelay` and `firstAddressFamilyCount` are options of the concurrent resolver, which
 * `connectWith` calls with the family alone: they are bound here (async_stagger's
 * `functools.partial`), and checked here, since a connect to an IP literal runs no resolver.
 * An explicit `resolver` wins.
 */
const resolverOf = (
  options: NodeHappyEyeballs.ConnectOptions
): Either.Either<Resolver.Resolver | undefined, Cause.IllegalArgumentException> => {
  const { firstAddressFamilyCount: count, resolutionDelay: delay, resolver } = options
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) {
    return Either.left(
      new Cause.IllegalArgumentException(`firstAddressFamilyCount must be an integer of at least 1, got ${count}`)
    )
  }
  const decoded = delay === undefined ? undefined : Duration.decodeUnknown(delay)
  if (
    decoded !== undefined && (Option.isNone(decoded) || Number.isNaN(Duration.toMillis(decoded.value)) ||
      (typeof delay === "number" && delay < 0))
  ) {
    return Either.left(
      new Cause.IllegalArgumentException(
        `resolutionDelay must be a duration of at least 0, got ${JSON.stringify(String(delay).slice(0, 40))}`
      )
    )
  }
  if (resolver !== undefined || (count === undefined && delay === undefined)) return Either.right(resolver)
  return Either.right((host, port, { family }) =>
    Resolver.concurrentResolver(host, port, { family, firstAddressFamilyCount: count, resolutionDelay: delay })
  )
}

/**
 * Fix for async_stagger (`ssl=True` without `server_hostname` fails): the server name defaults to the
 * host, unless the host is an IP literal, which SNI does not carry (RFC 6066 section 3, which
 * also wants no trailing dot). `host` is what the certificate is checked against when no server
 * name is sent; without it Node would check the IP address that won the race.
 */
export const tlsOptions = (host: string, tls: true | Tls.ConnectionOptions): Tls.ConnectionOptions => {
  const defaults: Tls.ConnectionOptions = AddrInfo.ipFamily(host) === 0 ?
    { host, servername: host.endsWith(".") ? host.slice(0, -1) : host } :
    { host }
  return tls === true ? defaults : { ...defaults, ...tls }
}

/**
 * The options of every handshake of a connect, with their `SecureContext` made once, before
 * the race: a key, certificate, cipher list or protocol version that Node cannot use is the
 * caller's mistake, named before any lookup or socket (not a failed handshake on each address
 * that connected), and the attempts of a race (`handshakeInAttempt`) share one context instead
 * of each parsing the same certificates. A `secureContext` of the caller's own is used as is.
 * The context is made as `tls.connect` makes it, with Node's default ciphers unless given.
 */
const secureOptions = (
  host: string,
  tls: true | Tls.ConnectionOptions
): Either.Either<Tls.ConnectionOptions, Cause.IllegalArgumentException> => withSecureContext(tlsOptions(host, tls))

/** `options` with a `SecureContext` made from them, unless they hold one. */
export const withSecureContext = (
  options: Tls.ConnectionOptions
): Either.Either<Tls.ConnectionOptions, Cause.IllegalArgumentException> => {
  if (options.secureContext !== undefined) return Either.right(options)
  try {
    const secureContext = Tls.createSecureContext({ ciphers: Tls.DEFAULT_CIPHERS, ...options })
    return Either.right({ ...options, secureContext })
  } catch (cause) {
    const code = codeOf(cause)
    return Either.left(
      new Cause.IllegalArgumentException(
        `tls: options Node cannot use${code === undefined ? "" : ` (${code})`}: ${truncated(messageOf(cause), 120)}`
      )
    )
  }
}

/** A connected attempt, with the TCP socket under its TLS socket when the handshake was in it. */
type Raced = dialer.Dialed & { readonly tcp?: Net.Socket }

/** The race over every address, with the handshake in each attempt if asked. */
const race = (
  host: string,
  port: number | string,
  options: NodeHappyEyeballs.ConnectOptions,
  resolver: Resolver.Resolver | undefined,
  secure: Tls.ConnectionOptions | undefined,
  onTlsSocket: ((socket: Tls.TLSSocket) => void) | undefined
): Effect.Effect<Raced, RaceFailure, GetAddrInfo.GetAddrInfo | Scope.Scope> => {
  const {
    connectTimeout: _t,
    firstAddressFamilyCount: _,
    handshakeInAttempt,
    keepAlive: _k,
    noDelay: _n,
    resolutionDelay: __,
    tls: ___,
    ...rest
  } = options
  return HappyEyeballs.connectWith<Raced, DialError, never>({
    ...rest,
    resolver,
    host,
    port,
    dial: secure !== undefined && handshakeInAttempt === true ?
      (remote, local) =>
        Effect.flatMap(
          dialer.tcp(remote, local),
          (tcp) => Effect.map(dialer.handshake(tcp, secure, onTlsSocket), (dialed) => ({ ...dialed, tcp: tcp.socket }))
        ) :
      dialer.tcp
  })
}

/**
 * The race, and the TLS handshake inside each attempt or on the winner alone; `noDelay` and
 * `keepAlive` set on the winner's TCP socket, and `connectTimeout` bounding all of it.
 * `onTlsSocket` sees each TLS socket before its handshake (the agents cache its session).
 */
export const connect = (
  host: string,
  port: number | string,
  options: NodeHappyEyeballs.ConnectOptions | undefined,
  onTlsSocket?: (socket: Tls.TLSSocket) => void
): Effect.Effect<dialer.Dialed, Failure, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.flatMap(Defaults, (defaults) => {
    const merged = withDefaults(defaults, options)
    const resolver = resolverOf(merged)
    if (Either.isLeft(resolver)) return Effect.fail(resolver.left)
    const socketOptions = SocketOptions.check(merged)
    if (Either.isLeft(socketOptions)) return Effect.fail(socketOptions.left)
    // `tls: false` (or `null`, from plain JavaScript) is no TLS, as any false-y value reads. A
    // host that is no string is left to `connectWith`'s check, an IllegalArgumentException.
    const checked = !merged.tls || typeof host !== "string" ? undefined : secureOptions(host, merged.tls)
    if (checked !== undefined && Either.isLeft(checked)) return Effect.fail(checked.left)
    const secure = checked?.right
    const touches = SocketOptions.touchesSocket(socketOptions.right)
    const raced = race(host, port, merged, resolver.right, secure, onTlsSocket)
    const connected = touches ?
      Effect.tap(raced, (dialed) => SocketOptions.apply(dialed.tcp ?? dialed.socket, socketOptions.right)) :
      raced
    const done = secure !== undefined && merged.handshakeInAttempt !== true ?
      Effect.flatMap(connected, (tcp) =>
        // The TCP socket now belongs to the caller's scope, which may outlive this failure.
        Effect.onError(dialer.handshake(tcp, secure, onTlsSocket), () => Effect.sync(() => tcp.socket.destroy()))) :
      connected
    const { connectTimeout } = socketOptions.right
    return connectTimeout === undefined ? done : Effect.timeoutFail(done, {
      duration: connectTimeout,
      onTimeout: () =>
        new Cause.TimeoutException(
          `connect to ${AddrInfo.formatHostPort(host, port)} timed out after ${Duration.format(connectTimeout)}`
        )
    })
  })

/** @internal */
export const dial = (remote: AddrInfo.AddrInfo, local: AddrInfo.LocalAddress | undefined) =>
  Effect.map(dialer.tcp(remote, local), (dialed) => dialed.socket)

/** @internal */
export const createConnectedSock = (
  host: string,
  port: number | string,
  options?: NodeHappyEyeballs.ConnectOptions
) => Effect.map(connect(host, port, options), (dialed) => dialed.socket)

/** @internal */
export const createConnection = (
  host: string,
  port: number | string,
  options?: NodeHappyEyeballs.ConnectOptions
): Effect.Effect<Socket.Socket, Failure, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.flatMap(connect(host, port, options), (dialed) => NodeSocket.fromDuplex(Effect.succeed(dialed.socket)))

/** @internal */
export const openConnection = (
  host: string,
  port: number | string,
  options?: NodeHappyEyeballs.ConnectOptions
): Effect.Effect<NodeHappyEyeballs.Connection, Failure, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.map(connect(host, port, options), ({ local, remote, socket }) => ({
    socket,
    remote,
    local,
    reader: connection.reader(socket),
    write: connection.write(socket),
    end: connection.end(socket)
  }))
