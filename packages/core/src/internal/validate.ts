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

/** A port is an integer in 1-65535; a numeric string such as `"443"` is fine. */
export const port = (input: number | string): Check<number> => {
  const value = typeof input === "string" && /^\d+$/.test(input.trim()) ? Number(input) : input
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535 ?
    Either.right(value) :
    invalid(`port must be an integer from 1 to 65535, got ${JSON.stringify(input)}`)
}

export const host = (input: string): Check<string> =>
  typeof input === "string" && input.length > 0 ?
    Either.right(input) :
    invalid(`host must be a non-empty string, got ${JSON.stringify(input)}`)

export const family = (input: number | undefined): Check<FamilyOption> =>
  input === undefined ? Either.right(0) : input === 0 || input === 4 || input === 6 ?
    Either.right(input) :
    invalid(`family must be 0, 4 or 6, got ${JSON.stringify(input)}`)

export const firstAddressFamilyCount = (input: number | undefined): Check<number> =>
  input === undefined ? Either.right(1) : Number.isInteger(input) && input >= 1 ?
    Either.right(input) :
    invalid(`firstAddressFamilyCount must be an integer of at least 1, got ${input}`)

/** `getaddrinfo` flags: a non-negative integer, or none. */
export const hints = (input: number | undefined): Check<number | undefined> =>
  input === undefined || (Number.isInteger(input) && input >= 0) ?
    Either.right(input) :
    invalid(`hints must be a non-negative integer, got ${typeof input === "number" ? input : typeof input}`)

export const localAddress = (input: LocalAddress): Check<LocalAddress> =>
  typeof input?.address !== "string" || ip.ipFamily(input.address) === 0 ?
    invalid(`localAddrs: ${JSON.stringify(input?.address)} is not an IP address literal`) :
    input.port !== undefined && !(Number.isInteger(input.port) && input.port >= 0 && input.port <= 65535) ?
    invalid(`localAddrs: port of ${input.address} must be an integer from 0 to 65535, got ${input.port}`) :
    Either.right(input)

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
  if (isNegativeOrNaN(input)) return invalid(`${name} must not be negative or NaN, got ${String(input)}`)
  return Duration.decodeUnknown(input)._tag === "Some" ?
    Either.right(input) :
    invalid(`${name} is not a duration: ${JSON.stringify(input)}`)
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
    return Either.left(
      new Cause.IllegalArgumentException(`delay is not a duration: ${JSON.stringify(String(delay).slice(0, 40))}`)
    )
  }
  const finite = Duration.isFinite(duration.value) && Duration.lessThanOrEqualTo(duration.value, MAX_TIMER)
  return Either.right(finite ? Option.some(duration.value) : Option.none())
}

/** Past the longest timer a JavaScript runtime keeps (about 24.8 days), a delay never ends. */
const MAX_TIMER = Duration.millis(2 ** 31 - 1)
