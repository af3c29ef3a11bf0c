/**
 * The error of one failed connection attempt: the TCP connect (or bind) to one address, or
 * the TLS handshake over it.
 *
 * @since 0.1.0
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"
import * as systemError from "./internal/systemError.js"

const DialErrorBase = Data.TaggedError("DialError")<{
  readonly remote: AddrInfo.AddrInfo
  readonly local: AddrInfo.LocalAddress | undefined
  readonly phase: "connect" | "tls"
  readonly code: string | undefined
  readonly cause: unknown
}>

/**
 * One attempt failed.
 *
 * - `remote`: the address dialled; `local`: the local address bound, if any.
 * - `phase`: `"connect"` for the TCP connect or the bind before it, `"tls"` for the handshake.
 * - `code`: the system or TLS error code when there is one: `ECONNREFUSED`, `ETIMEDOUT`,
 *   `EADDRNOTAVAIL`, `ERR_TLS_CERT_ALTNAME_INVALID`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...
 * - `cause`: the error Node reported.
 *
 * Its `message` reads like Node's own, with the address it came from:
 * `connect ECONNREFUSED 127.0.0.1:1 (from 127.0.0.2)`. Two attempts that failed alike on
 * different addresses have different messages, so a connect that fails on several addresses
 * reports each of them (the seed's `OSError` messages name the address too).
 *
 * It has no stack trace of its own: it is made in a socket's event handler, where the stack
 * holds only Node's event plumbing, and capturing it cost more than a refused attempt's
 * whole bookkeeping (about 15 us of each failed attempt). Where the connect was called from
 * is in the connect's spans; `cause` keeps Node's error as Node made it.
 *
 * @since 0.1.0
 * @category errors
 */
export class DialError extends DialErrorBase {
  constructor(fields: ConstructorParameters<typeof DialErrorBase>[0]) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(fields)
    } finally {
      Error.stackTraceLimit = limit
    }
  }

  override get message(): string {
    const from = this.local === undefined ?
      "" :
      ` (from ${this.local.port ? AddrInfo.formatHostPort(this.local.address, this.local.port) : this.local.address})`
    // A failed bind is reported by Node as syscall "bind": say so rather than "connect".
    const syscall = this.phase === "connect" && Predicate.hasProperty(this.cause, "syscall") &&
        typeof this.cause.syscall === "string" ?
      this.cause.syscall :
      this.phase
    const detail = this.phase === "tls" || this.code === undefined ? `: ${systemError.messageOf(this.cause)}` : ""
    return `${syscall}${this.code === undefined ? "" : ` ${this.code}`} ${AddrInfo.format(this.remote)}${from}${detail}`
  }
}

/**
 * Whether a value is a `DialError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isDialError = (u: unknown): u is DialError => Predicate.isTagged(u, "DialError")
