/**
 * The lookup service that resolvers are built on (the seed's `getaddrinfo_async`), and the
 * error of a failed lookup.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import type { AddrInfo, FamilyOption } from "./AddrInfo.js"
import * as errors from "./internal/errors.js"

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
 * `Multiple exceptions: ...` (the seed's rule), with each error in `errors` and their `code` if
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
 * The pluggable `getaddrinfo` (the seed's `getaddrinfo_async`).
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
