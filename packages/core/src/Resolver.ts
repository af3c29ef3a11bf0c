/**
 * Resolvers: host names to streams of addresses, ordered for Happy Eyeballs.
 *
 * A resolver is a function from a host, a port and a family to a `Stream` of `AddrInfo`. The
 * stream hands addresses out as they become known, so a connect can start on the first
 * answer while the other family is still being looked up.
 *
 * The world enters through `GetAddrInfo`, a service with one `lookup`: the Node package
 * provides the system resolver and real DNS queries; tests provide scripted ones.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Stream from "effect/Stream"
import type { AddrInfo, FamilyOption } from "./AddrInfo.js"
import type { GetAddrInfo, ResolveError } from "./GetAddrInfo.js"
import * as internal from "./internal/resolver.js"
import * as weave from "./internal/weave.js"

/**
 * RFC 8305 section 3: "The recommended value for the Resolution Delay is 50 milliseconds."
 * How long an IPv4 answer that came first waits for the IPv6 one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8305#section-3
 * @since 0.1.0
 * @category constants
 */
export const RESOLUTION_DELAY: Duration.DurationInput = internal.RESOLUTION_DELAY

/**
 * RFC 8305 section 4: "The First Address Family Count ... SHOULD be 1". How many addresses of
 * the first family come before the families alternate one to one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8305#section-4
 * @since 0.1.0
 * @category constants
 */
export const FIRST_ADDRESS_FAMILY_COUNT = 1

export {
  /**
   * The pluggable `getaddrinfo` that resolvers look up through (async_stagger's
   * `getaddrinfo_async`); defined in the `GetAddrInfo` module.
   *
   * @since 0.1.0
   * @category tags
   */
  GetAddrInfo,
  /**
   * Whether a value is a `ResolveError`.
   *
   * @since 0.1.0
   * @category guards
   */
  isResolveError,
  /**
   * A failed resolution; defined in the `GetAddrInfo` module.
   *
   * @since 0.1.0
   * @category errors
   */
  ResolveError
} from "./GetAddrInfo.js"

/**
 * A resolver, as `connectWith` calls it: it receives only the family. To change a resolver's
 * other options, bind them (async_stagger's `functools.partial`):
 *
 * @example
 * ```ts
 * import { Resolver } from "@effect-stagger/core"
 *
 * const twoFirst: Resolver.Resolver = (host, port, { family }) =>
 *   Resolver.concurrentResolver(host, port, { family, firstAddressFamilyCount: 2 })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Resolver<R = GetAddrInfo> = (
  host: string,
  port: number,
  options: { readonly family: FamilyOption }
) => Stream.Stream<AddrInfo, ResolveError, R>

/**
 * Options of the built-in resolvers.
 *
 * - `family`: `0` (default) for both, `4` or `6` for one.
 * - `firstAddressFamilyCount`: default 1 (`FIRST_ADDRESS_FAMILY_COUNT`).
 * - `resolutionDelay`: default 50 ms (`RESOLUTION_DELAY`); concurrent resolver only.
 * - `raiseExcGroup`: when both families fail, fail with both errors in parallel in the Cause
 *   instead of one combined `ResolveError`; concurrent resolver only.
 * - `hints` (since 0.2.0): `getaddrinfo` flags (async_stagger's `flags`), passed to every lookup
 *   as `GetAddrInfo`'s `hints`; a non-negative integer. Default: none given.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolverOptions {
  readonly family?: FamilyOption | undefined
  readonly firstAddressFamilyCount?: number | undefined
  readonly resolutionDelay?: Duration.DurationInput | undefined
  readonly raiseExcGroup?: boolean | undefined
  readonly hints?: number | undefined
}

/**
 * Resolves both families in one lookup and interleaves them, the first family being that of
 * the first address the system returned.
 *
 * @since 0.1.0
 * @category resolvers
 */
export const basicResolver: (
  host: string,
  port: number,
  options?: ResolverOptions
) => Stream.Stream<AddrInfo, ResolveError, GetAddrInfo> = internal.basicResolver

/**
 * Resolves IPv6 and IPv4 in two lookups in parallel and streams addresses as they come
 * (RFC 8305 section 3). The default resolver of `connectWith`.
 *
 * Details
 *
 * An IPv6 answer is handed out at once, interleaved with any IPv4 addresses not yet handed out,
 * IPv6 first (it moves ahead of them).
 * An IPv4 answer that comes first waits up to `resolutionDelay` for IPv6 (a failed IPv6 lookup
 * ends the wait); then, if IPv6 answered, the families are interleaved with
 * `firstAddressFamilyCount` IPv6 addresses first, else IPv4 is handed out as it is. One family
 * failing is not an error; both failing is one `ResolveError` holding both (or, with
 * `raiseExcGroup`, a Cause with both in parallel: observe it with `Stream.catchAllCause`).
 * Addresses come one per chunk while a later answer could still move ahead of them; once both
 * lookups have ended, the rest come in one chunk. With `family` 4 or 6 it is `basicResolver`.
 *
 * @example
 * ```ts
 * import { Resolver } from "@effect-stagger/core"
 * import { Effect, Layer, Stream } from "effect"
 *
 * const lookups = Layer.succeed(Resolver.GetAddrInfo, {
 *   lookup: (_host, port, { family }) =>
 *     Effect.succeed(
 *       family === 6
 *         ? [{ family: 6, address: "2001:db8::1", port }, { family: 6, address: "2001:db8::2", port }]
 *         : [{ family: 4, address: "192.0.2.1", port }, { family: 4, address: "192.0.2.2", port }]
 *     )
 * })
 *
 * const addresses = Resolver.concurrentResolver("example.test", 443).pipe(
 *   Stream.map((a) => a.address),
 *   Stream.runCollect,
 *   Effect.provide(lookups)
 * )
 * // Chunk("2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2")
 * ```
 *
 * @since 0.1.0
 * @category resolvers
 */
export const concurrentResolver: (
  host: string,
  port: number,
  options?: ResolverOptions
) => Stream.Stream<AddrInfo, ResolveError, GetAddrInfo> = internal.concurrentResolver

/**
 * Interleaves addresses by family (RFC 8305 section 4): `firstAddressFamilyCount` addresses of
 * the first address's family, then one of each family in turn, skipping a family that has run
 * out. Pure.
 *
 * Details
 *
 * A count that is not an integer of at least 1 is a programming error, thrown as Effect's own
 * unsafe constructors throw (`DateTime.unsafeMake`): with `NaN` the result would lose every
 * address, with `1.5` it would hold `undefined`. The resolvers and the connect functions reject
 * the same count with the same exception, as a failure.
 *
 * @throws `Cause.IllegalArgumentException` when `firstAddressFamilyCount` is not an integer of
 * at least 1.
 *
 * @example
 * ```ts
 * import { Resolver } from "@effect-stagger/core"
 *
 * const a = (n: number) => ({ family: 6 as const, address: `2001:db8::${n}`, port: 80 })
 * const b = (n: number) => ({ family: 4 as const, address: `192.0.2.${n}`, port: 80 })
 * Resolver.interleave([a(1), a(2), a(3), b(1), b(2)], 2).map((x) => x.address)
 * // ["2001:db8::1", "2001:db8::2", "192.0.2.1", "2001:db8::3", "192.0.2.2"]
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const interleave: (
  addresses: ReadonlyArray<AddrInfo>,
  firstAddressFamilyCount: number
) => ReadonlyArray<AddrInfo> = weave.interleaveChecked
