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
 * reports each of them (async_stagger's `OSError` messages name the address too).
 *
 * The dial makes it without a stack trace, which would show only Node's event handling;
 * `cause` keeps Node's error as Node made it.
 *
 * @since 0.1.0
 * @category errors
 */
export class DialError extends Data.TaggedError("DialError")<{
  readonly remote: AddrInfo.AddrInfo
  readonly local: AddrInfo.LocalAddress | undefined
  readonly phase: "connect" | "tls"
  readonly code: string | undefined
  readonly cause: unknown
}> {
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
