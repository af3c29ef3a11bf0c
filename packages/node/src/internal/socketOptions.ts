/**
 * The socket options of every entry point: `noDelay` and `keepAlive` for the winner, and
 * `connectTimeout` for the whole connect. Checked before any lookup or socket.
 *
 * `net.connect` takes `noDelay` and `keepAlive` as options and applies them to the one socket
 * it makes; a Happy Eyeballs connect makes one socket per attempt, and only the winner is handed
 * on, so they are set on the winner alone, once it has won (losers are closed at once and
 * would gain nothing from them).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import type * as Net from "node:net"

/** The options, as `ConnectOptions` gives them. */
export interface Input {
  readonly noDelay?: boolean | undefined
  readonly keepAlive?: boolean | { readonly initialDelay: Duration.DurationInput } | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/** The options, checked: what to do with the winner, and the bound of the connect. */
export interface Checked {
  readonly noDelay: boolean | undefined
  /** `false`: off; a number: on, with that initial delay in ms (0: the system's). */
  readonly keepAlive: false | number | undefined
  /** `undefined`: no bound. */
  readonly connectTimeout: Duration.Duration | undefined
}

const invalid = (message: string) => Either.left(new Cause.IllegalArgumentException(message))

/** A duration that is finite or infinite, not negative and not NaN, or the reason it is not. */
const durationOf = (
  name: string,
  input: Duration.DurationInput
): Either.Either<Duration.Duration, Cause.IllegalArgumentException> => {
  const negative = typeof input === "number" ?
    Number.isNaN(input) || input < 0 :
    typeof input === "bigint" ?
    input < BigInt(0) :
    typeof input === "string" ?
    /^\s*-/.test(input) :
    Array.isArray(input) ?
    input.some((n) => Number.isNaN(n) || n < 0) :
    false
  if (negative) return invalid(`${name} must not be negative or NaN, got ${String(input)}`)
  const decoded = Duration.decodeUnknown(input)
  return decoded._tag === "Some" ? Either.right(decoded.value) : invalid(`${name} is not a duration: ${String(input)}`)
}

export const check = (input: Input): Either.Either<Checked, Cause.IllegalArgumentException> => {
  const { connectTimeout, keepAlive, noDelay } = input
  if (noDelay !== undefined && typeof noDelay !== "boolean") {
    return invalid(`noDelay must be a boolean, got ${String(noDelay)}`)
  }
  let keepAliveMs: false | number | undefined
  if (keepAlive === undefined || typeof keepAlive === "boolean") {
    keepAliveMs = keepAlive === true ? 0 : keepAlive
  } else {
    const initialDelay = durationOf("keepAlive.initialDelay", keepAlive?.initialDelay)
    if (Either.isLeft(initialDelay)) return Either.left(initialDelay.left)
    if (!Duration.isFinite(initialDelay.right)) {
      return invalid(`keepAlive.initialDelay must be finite, got ${String(keepAlive.initialDelay)}`)
    }
    // Node hands the kernel whole seconds, rounded down; 0 keeps the system's initial delay.
    keepAliveMs = Duration.toMillis(initialDelay.right)
  }
  let timeout: Duration.Duration | undefined
  if (connectTimeout !== undefined) {
    const decoded = durationOf("connectTimeout", connectTimeout)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    timeout = Duration.isFinite(decoded.right) ? decoded.right : undefined
  }
  return Either.right({ noDelay, keepAlive: keepAliveMs, connectTimeout: timeout })
}

/** Whether there is anything to set on the winner. */
export const touchesSocket = (checked: Checked): boolean =>
  checked.noDelay !== undefined || checked.keepAlive !== undefined

/** Sets `noDelay` and `keepAlive` on the winner's TCP socket, as `net.connect` would. */
export const apply = (socket: Net.Socket, checked: Checked): void => {
  if (checked.noDelay !== undefined) socket.setNoDelay(checked.noDelay)
  if (checked.keepAlive !== undefined) {
    if (checked.keepAlive === false) socket.setKeepAlive(false)
    else socket.setKeepAlive(true, checked.keepAlive)
  }
}
