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
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Tls from "node:tls"
import type { DialError } from "../DialError.js"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import * as connection from "./connection.js"
import * as dialer from "./dial.js"
import { codeOf, messageOf, truncated } from "./systemError.js"

type Failure = DialError | GetAddrInfo.ResolveError | ConnectError.ConnectError | Cause.IllegalArgumentException

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
 * `connectWith` calls with the family alone: they are bound here (the seed's
 * `functools.partial`). An explicit `resolver` wins.
 */
const resolverOf = (options: NodeHappyEyeballs.ConnectOptions): Resolver.Resolver | undefined => {
  const { firstAddressFamilyCount, resolutionDelay, resolver } = options
  if (resolver !== undefined || (firstAddressFamilyCount === undefined && resolutionDelay === undefined)) {
    return resolver
  }
  return (host, port, { family }) =>
    Resolver.concurrentResolver(host, port, { family, firstAddressFamilyCount, resolutionDelay })
}

/**
 * Fix for the seed (`ssl=True` without `server_hostname` fails): the server name defaults to the
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
): Either.Either<Tls.ConnectionOptions, Cause.IllegalArgumentException> => {
  const options = tlsOptions(host, tls)
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

/** The race over every address, with the handshake in each attempt if asked. */
const race = (
  host: string,
  port: number | string,
  options: NodeHappyEyeballs.ConnectOptions,
  secure: Tls.ConnectionOptions | undefined
): Effect.Effect<dialer.Dialed, Failure, GetAddrInfo.GetAddrInfo | Scope.Scope> => {
  const { firstAddressFamilyCount: _, handshakeInAttempt, resolutionDelay: __, tls: ___, ...rest } = options
  return HappyEyeballs.connectWith({
    ...rest,
    resolver: resolverOf(options),
    host,
    port,
    dial: secure !== undefined && handshakeInAttempt === true ?
      (remote, local) => Effect.flatMap(dialer.tcp(remote, local), (tcp) => dialer.handshake(tcp, secure)) :
      dialer.tcp
  })
}

/** The race, and the TLS handshake inside each attempt or on the winner alone. */
export const connect = (
  host: string,
  port: number | string,
  options: NodeHappyEyeballs.ConnectOptions | undefined
): Effect.Effect<dialer.Dialed, Failure, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.flatMap(Defaults, (defaults) => {
    const merged = withDefaults(defaults, options)
    // `tls: false` (or `null`, from plain JavaScript) is no TLS, as any false-y value reads. A
    // host that is no string is left to `connectWith`'s check, an IllegalArgumentException.
    const checked = !merged.tls || typeof host !== "string" ? undefined : secureOptions(host, merged.tls)
    if (checked !== undefined && Either.isLeft(checked)) return Effect.fail(checked.left)
    const secure = checked?.right
    const connected = race(host, port, merged, secure)
    return secure !== undefined && merged.handshakeInAttempt !== true ?
      Effect.flatMap(connected, (tcp) =>
        // The TCP socket now belongs to the caller's scope, which may outlive this failure.
        Effect.onError(dialer.handshake(tcp, secure), () => Effect.sync(() => tcp.socket.destroy()))) :
      connected
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
