/**
 * One connection attempt on Node: a TCP connect to an IP literal, optionally bound to a local
 * address, and the TLS handshake over it.
 *
 * Each step registers its destroy finalizer in the attempt's `Scope` before it opens anything,
 * then waits for Node's event interruptibly (`Effect.async`; the handshake's cleanup removes
 * its listeners, the connect's need none once the scope has destroyed the socket).
 * `Effect.acquireRelease` would make the wait uninterruptible, so a black-holed attempt would
 * hold its race for the kernel's SYN timeout (about 134 s on Linux).
 *
 * @internal
 */
import type * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { DialError } from "../DialError.js"
import { codeOf } from "./systemError.js"

/** A connected attempt: the socket and the addresses it joins. */
export interface Dialed {
  readonly socket: Net.Socket
  readonly remote: AddrInfo.AddrInfo
  readonly local: AddrInfo.LocalAddress | undefined
}

/**
 * Node throws an `error` event that has no listener out of the event loop, which would crash
 * the process when a connected socket is reset before its user has listened. The no-op
 * listener only prevents that: every other listener still sees the error, and `socket.errored`
 * keeps it.
 */
const ignoreError = (_: Error) => {}

/**
 * A `DialError` without a stack trace of its own: it is made in a socket's event handler,
 * where the stack holds only Node's event plumbing, and capturing one cost about 15 us of
 * every failed attempt (a refused dial went from about 108 to 70 us). Where the connect was
 * called from is in its spans; `cause` keeps Node's error as Node made it.
 */
const dialError = (fields: ConstructorParameters<typeof DialError>[0]): DialError => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new DialError(fields)
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Fails with that `DialError` itself. `Effect.fail` of an object, inside a span (every attempt
 * runs in one), hands on a Proxy around it that carries the span, for one more step of the
 * fiber runtime, and every later read of the error goes through the Proxy. The attempt's span
 * already holds what the Proxy would carry.
 */
const failDial = (fields: ConstructorParameters<typeof DialError>[0]): Effect.Effect<never, DialError> =>
  Effect.failCause(Cause.fail(dialError(fields)))

const zoneOf = (address: string): string | undefined => {
  const percent = address.indexOf("%")
  return percent === -1 ? undefined : address.slice(percent + 1)
}

/**
 * RFC 4007 section 11: a link-local address (fe80::/10) means nothing without its zone. A
 * link-local remote given without one is dialled in the zone of the local address bound for
 * it, as async_stagger's `(host, port, flowinfo, scope_id)` local tuples imply.
 */
export const remoteHost = (remote: AddrInfo.AddrInfo, local: AddrInfo.LocalAddress | undefined): string => {
  if (remote.family !== 6 || local === undefined || zoneOf(remote.address) !== undefined) return remote.address
  const zone = zoneOf(local.address)
  return zone !== undefined && /^fe[89ab]/i.test(remote.address) ? `${remote.address}%${zone}` : remote.address
}

/** Node's options for one attempt: an IP literal, so no lookup, and no `autoSelectFamily`. */
export const connectOptions = (
  remote: AddrInfo.AddrInfo,
  local: AddrInfo.LocalAddress | undefined
): Net.TcpNetConnectOpts => {
  const options: Net.TcpNetConnectOpts = {
    host: remoteHost(remote, local),
    port: remote.port,
    family: remote.family,
    // Node's own Happy Eyeballs would race again inside our attempt; each attempt is one address.
    autoSelectFamily: false
  }
  if (local === undefined) return options
  return local.port ?
    { ...options, localAddress: local.address, localPort: local.port } :
    { ...options, localAddress: local.address }
}

/**
 * Starts `socket`'s connect to `remote` (from `local`, if given), and tells `settled` once:
 * with nothing when it connected, with Node's error as a `DialError` when it failed.
 */
const startConnect = (
  socket: Net.Socket,
  remote: AddrInfo.AddrInfo,
  local: AddrInfo.LocalAddress | undefined,
  settled: (error: DialError | undefined) => void
): void => {
  const onConnect = () => {
    socket.off("error", onError)
    settled(undefined)
  }
  const onError = (cause: unknown) => {
    socket.off("connect", onConnect)
    settled(dialError({ remote, local, phase: "connect", code: codeOf(cause), cause }))
  }
  socket.once("connect", onConnect)
  socket.once("error", onError)
  try {
    socket.connect(connectOptions(remote, local))
  } catch (cause) {
    // Node validates some options synchronously (a local address it cannot parse).
    onError(cause)
  }
}

/**
 * Connects to `remote`, bound to `local` when given. The socket is destroyed when the attempt's
 * scope closes: at once for a loser, with the caller's scope for the winner.
 *
 * No data is consumed: the socket is neither paused (which would stop a later `data` listener
 * from starting the flow) nor read; what the peer sends stays buffered until the caller reads.
 */
export const tcp = (
  remote: AddrInfo.AddrInfo,
  local: AddrInfo.LocalAddress | undefined
): Effect.Effect<Dialed, DialError, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => {
    // A socket without a handle holds nothing until `connect`; its finalizer comes first.
    const socket = new Net.Socket()
    socket.on("error", ignoreError)
    return Effect.zipRight(
      Scope.addFinalizer(scope, Effect.sync(() => socket.destroy())),
      Effect.async<Dialed, DialError>((resume) =>
        startConnect(socket, remote, local, (error) =>
          resume(error === undefined ? Effect.succeed({ socket, remote, local }) : Effect.failCause(Cause.fail(error))))
        // No cleanup: an attempt that is interrupted here has its scope closed next, which
        // destroys the socket, after which neither event comes. Without one, `Effect.async`
        // waits without an interruption handler of its own, five steps fewer per attempt.
      )
    )
  })

/**
 * Runs the TLS handshake over a connected attempt. The TLS socket replaces the TCP one in the
 * result; it is destroyed when the scope closes, before the TCP socket under it. `onSocket`
 * sees the TLS socket before its handshake (to listen for its `session`).
 */
export const handshake = (
  dialed: Dialed,
  options: Tls.ConnectionOptions,
  onSocket?: (socket: Tls.TLSSocket) => void
): Effect.Effect<Dialed, DialError, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => {
    let secure: Tls.TLSSocket | undefined
    const { local, remote } = dialed
    const fail = (cause: unknown) => failDial({ remote, local, phase: "tls", code: codeOf(cause), cause })
    return Effect.zipRight(
      Scope.addFinalizer(scope, Effect.sync(() => secure?.destroy())),
      Effect.async<Dialed, DialError>((resume) => {
        try {
          secure = Tls.connect({ ...options, socket: dialed.socket })
        } catch (cause) {
          // An option the connect's checks do not cover (an ALPN list that is not one) throws here,
          // before any handshake; the key, certificate, ciphers and versions were checked before the race.
          resume(fail(cause))
          return
        }
        const socket = secure
        socket.on("error", ignoreError)
        // Before the handshake: a TLS 1.2 session can come before `secureConnect`.
        onSocket?.(socket)
        const onSecure = () => {
          socket.off("error", onError)
          resume(Effect.succeed({ socket, remote, local }))
        }
        const onError = (cause: unknown) => {
          socket.off("secureConnect", onSecure)
          resume(fail(cause))
        }
        socket.once("secureConnect", onSecure)
        socket.once("error", onError)
        return Effect.sync(() => {
          socket.off("secureConnect", onSecure)
          socket.off("error", onError)
        })
      })
    )
  })
