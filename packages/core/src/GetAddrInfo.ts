/**
 * The lookup service that resolvers are built on (async_stagger's `getaddrinfo_async`), and the
 * error of a failed lookup.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type { AddrInfo, FamilyOption } from "./AddrInfo.js"
import * as errors from "./internal/errors.js"
import * as validate from "./internal/validate.js"

/**
 * A failed resolution. `family` is the family that was asked for (`0` for both); when both
 * families failed, `errors` holds each family's error and `message` is their one message if
 * they agree, else `Multiple exceptions: ...`. `code` is the system's error code where there
 * is one (`ENOTFOUND`, `EAI_AGAIN`, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResolveError extends Data.TaggedError("ResolveError")<{
  readonly host: string
  readonly family: FamilyOption
  readonly message: string
  readonly code?: string | undefined
  readonly cause?: unknown
  readonly errors?: ReadonlyArray<ResolveError> | undefined
}> {}

/**
 * One `ResolveError` for both families' failures: their one message if they agree, else
 * `Multiple exceptions: ...` (async_stagger's rule), with each error in `errors` and their `code` if
 * they share it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const combineResolveErrors = (host: string, failures: ReadonlyArray<ResolveError>): ResolveError =>
  new ResolveError({
    host,
    family: 0,
    message: errors.combinedMessage(failures),
    code: failures.every((e) => e.code === failures[0]?.code) ? failures[0]?.code : undefined,
    errors: failures
  })

/**
 * Whether a value is a `ResolveError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isResolveError = (u: unknown): u is ResolveError => Predicate.isTagged(u, "ResolveError")

/**
 * Checks that a host can be looked up as it is written: an IP literal (an IPv6 zone such as
 * `fe80::1%eth0` is fine), or a name of at most 253 characters (a trailing dot aside) with no
 * label over 63, no control character, and not blank. The connect functions make this check
 * before any lookup; a `GetAddrInfo` can make it too.
 *
 * Details
 *
 * The system resolver and c-ares read a name as a C string, so a NUL ends it early:
 * `"localhost\u0000.evil.example"` would be looked up, and connected, as `localhost`, past a
 * check of its suffix. The failure is an `IllegalArgumentException` that says why, and shows at
 * most the first 40 characters of the host.
 *
 * @example
 * ```ts
 * import { GetAddrInfo } from "@effect-stagger/core"
 * import { Either } from "effect"
 *
 * Either.isRight(GetAddrInfo.validateHost("example.com.")) // true
 * Either.isLeft(GetAddrInfo.validateHost("localhost\u0000.evil.example")) // true
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const validateHost: (host: string) => Either.Either<string, Cause.IllegalArgumentException> = validate.host

/**
 * The pluggable `getaddrinfo` (async_stagger's `getaddrinfo_async`).
 *
 * `lookup` returns the addresses of `host` of the family asked for; with `family: 0`, both
 * families in the system's preferred order. An empty answer is turned into a `ResolveError` by
 * the resolvers, so implementations may return one.
 *
 * `hints` (since 0.2.0) are `getaddrinfo`'s `ai_flags` (async_stagger's `flags`), given only when
 * the caller set them: on Node, `dns.ADDRCONFIG`, `dns.V4MAPPED` and `dns.ALL`. An
 * implementation that has no such flags, such as DNS queries, ignores them.
 *
 * @since 0.1.0
 * @category tags
 */
export class GetAddrInfo extends Context.Tag("@effect-stagger/core/GetAddrInfo")<GetAddrInfo, {
  readonly lookup: (
    host: string,
    port: number,
    options: { readonly family: FamilyOption; readonly hints?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<AddrInfo>, ResolveError>
}>() {}
