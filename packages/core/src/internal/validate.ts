/**
 * Argument checks, made before any I/O. Each names the argument it rejects.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { FamilyOption, LocalAddress } from "../AddrInfo.js"
import * as ip from "./ip.js"

type Check<A> = Either.Either<A, Cause.IllegalArgumentException>

const invalid = (message: string) => Either.left(new Cause.IllegalArgumentException(message))

/** How much of a rejected input a message shows: enough to recognise it, never a flood. */
const SHOWN_LENGTH = 40

/**
 * A rejected input as a message shows it: as JSON (`"text"`, `{}`), or as `String` gives it
 * (`NaN`, `-5 millis`), cut to its first 40 characters and `…`. It never throws, whatever the
 * input is (a `bigint`, an object without a prototype, a getter that throws).
 */
export const shown = (input: unknown, as: "json" | "text" = "json"): string => {
  let text: string
  try {
    text = as === "json" ? JSON.stringify(input) ?? String(input) : String(input)
  } catch {
    try {
      text = String(input)
    } catch {
      text = typeof input
    }
  }
  return text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH)}…` : text
}

/** A port is an integer in 1-65535; a numeric string such as `"443"` is fine. */
export const port = (input: number | string): Check<number> => {
  const value = typeof input === "string" && /^\d+$/.test(input.trim()) ? Number(input) : input
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535 ?
    Either.right(value) :
    invalid(`port must be an integer from 1 to 65535, got ${shown(input)}`)
}

/** RFC 1035 section 2.3.4: a name is at most 255 octets on the wire, 253 as text. */
const MAX_NAME_LENGTH = 253

/** RFC 1035 section 2.3.4: "labels 63 octets or less". */
const MAX_LABEL_LENGTH = 63

/**
 * A host is an IP literal (an IPv6 zone is fine) or a name that a resolver reads as it is
 * written. The system resolver and c-ares both read a name as a C string, so a NUL ends it
 * early: `"localhost\u0000.evil.example"` would be looked up as `localhost`, past any check of
 * its suffix. So no control character (C0, DEL, C1), at most 253 characters (a trailing dot
 * aside), no label over 63, and not empty or blank.
 */
export const host = (input: string): Check<string> => {
  if (typeof input !== "string" || input.trim().length === 0) {
    return invalid(`host must be a host name or an IP address, got ${shown(input)}`)
  }
  if (ip.ipFamily(input) !== 0) return Either.right(input)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(input)) {
    return invalid(`host must not hold control characters, got ${shown(input)}`)
  }
  const name = input.endsWith(".") ? input.slice(0, -1) : input
  if (name.length > MAX_NAME_LENGTH) {
    return invalid(`host must be at most ${MAX_NAME_LENGTH} characters long, got ${name.length}: ${shown(input)}`)
  }
  const label = name.split(".").find((label) => label.length > MAX_LABEL_LENGTH)
  if (label !== undefined) {
    return invalid(`host: a label must be at most ${MAX_LABEL_LENGTH} characters long, got ${shown(label)}`)
  }
  return Either.right(input)
}

export const family = (input: number | undefined): Check<FamilyOption> =>
  input === undefined ? Either.right(0) : input === 0 || input === 4 || input === 6 ?
    Either.right(input) :
    invalid(`family must be 0, 4 or 6, got ${shown(input)}`)

export const firstAddressFamilyCount = (input: number | undefined): Check<number> =>
  input === undefined ? Either.right(1) : Number.isInteger(input) && input >= 1 ?
    Either.right(input) :
    invalid(`firstAddressFamilyCount must be an integer of at least 1, got ${shown(input, "text")}`)

/** `getaddrinfo` flags: a non-negative integer, or none. */
export const hints = (input: number | undefined): Check<number | undefined> =>
  input === undefined || (Number.isInteger(input) && input >= 0) ?
    Either.right(input) :
    invalid(`hints must be a non-negative integer, got ${shown(input)}`)

export const localAddress = (input: LocalAddress): Check<LocalAddress> => {
  if (typeof input?.address !== "string" || ip.ipFamily(input.address) === 0) {
    return invalid(`localAddrs: ${shown(input?.address)} is not an IP address literal`)
  }
  if (input.port !== undefined && !(Number.isInteger(input.port) && input.port >= 0 && input.port <= 65535)) {
    const address = shown(input.address, "text")
    return invalid(
      `localAddrs: port of ${address} must be an integer from 0 to 65535, got ${shown(input.port, "text")}`
    )
  }
  return Either.right(input)
}

/** Whether a duration input is negative or NaN, which `Duration.decode` would read as zero. */
const isNegativeOrNaN = (input: Duration.DurationInput): boolean => {
  if (typeof input === "number") return Number.isNaN(input) || input < 0
  if (typeof input === "bigint") return input < BigInt(0)
  if (typeof input === "string") return /^\s*-/.test(input)
  if (Array.isArray(input)) return input.some((n) => Number.isNaN(n) || n < 0)
  return false
}

/** A delay is a duration that is not negative or NaN; `null` means "one at a time". */
export const delay = (
  name: string,
  input: Duration.DurationInput | null | undefined,
  fallback: Duration.DurationInput | null
): Check<Duration.DurationInput | null> => {
  if (input === undefined) return Either.right(fallback)
  if (input === null) return Either.right(null)
  if (isNegativeOrNaN(input)) return invalid(`${name} must not be negative or NaN, got ${shown(input, "text")}`)
  return Duration.decodeUnknown(input)._tag === "Some" ?
    Either.right(input) :
    invalid(`${name} is not a duration: ${shown(input)}`)
}

/**
 * The delay as the race reads it: `None` means "only when the previous attempt fails".
 * Negative counts as 0; infinite, or too large for a timer, as `None`.
 */
export const raceDelay = (
  delay: unknown
): Either.Either<Option.Option<Duration.Duration>, Cause.IllegalArgumentException> => {
  if (delay === null) return Either.right(Option.none())
  const duration = Duration.decodeUnknown(delay)
  if (Option.isNone(duration)) {
    return Either.left(new Cause.IllegalArgumentException(`delay is not a duration: ${shown(delay)}`))
  }
  const finite = Duration.isFinite(duration.value) && Duration.lessThanOrEqualTo(duration.value, MAX_TIMER)
  return Either.right(finite ? Option.some(duration.value) : Option.none())
}

/** Past the longest timer a JavaScript runtime keeps (about 24.8 days), a delay never ends. */
const MAX_TIMER = Duration.millis(2 ** 31 - 1)
