/**
 * Happy Eyeballs (RFC 8305) over any transport: resolve, race staggered attempts, keep the
 * first connection that succeeds.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { AddrInfo, FamilyOption, LocalAddress } from "./AddrInfo.js"
import type { ConnectError } from "./ConnectError.js"
import type { GetAddrInfo, ResolveError } from "./GetAddrInfo.js"
import * as internal from "./internal/happyEyeballs.js"
import type { Resolver } from "./Resolver.js"
import type * as Trace from "./Trace.js"

/**
 * RFC 8305 section 5: "A simple implementation can have a fixed delay for how long to wait
 * before starting the next connection attempt ... The recommended value for a default delay
 * is 250 milliseconds." The default `delay` of `connectWith`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8305#section-5
 * @since 0.1.0
 * @category constants
 */
export const CONNECTION_ATTEMPT_DELAY: Duration.DurationInput = internal.CONNECTION_ATTEMPT_DELAY

export {
  /**
   * No attempt connected and the failures were not all the same; defined in the
   * `ConnectError` module.
   *
   * @since 0.1.0
   * @category errors
   */
  ConnectError,
  /**
   * Whether a value is a `ConnectError`.
   *
   * @since 0.1.0
   * @category guards
   */
  isConnectError
} from "./ConnectError.js"

/**
 * Options of `connectWith`.
 *
 * - `host`, `port`: where to connect; a numeric string port is fine. An IP literal host skips
 *   resolution.
 * - `dial(remote, local)`: one connection attempt to an IP address, optionally bound to a local
 *   address. Its resources belong to the `Scope` it is given: closed when the attempt loses,
 *   kept open until the caller's scope closes when it wins.
 * - `family`: `0` (default) for both families, `4` or `6` for one.
 * - `localAddrs`: local addresses to bind; each remote is tried with each local address of its
 *   own family, in order. An Iterable is checked up front; a Stream is pulled lazily.
 * - `delay`: the Connection Attempt Delay, default 250 ms; `null` for one attempt at a time.
 * - `resolver`: default `Resolver.concurrentResolver`.
 * - `raiseExcGroup`: when every attempt fails, fail with every error in parallel in the Cause
 *   (async_stagger's ExceptionGroup) instead of one error.
 * - `onEvent`: receives each `Trace.Event` (answers, attempts, the winner) as it happens.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions<C, E, R> {
  readonly host: string
  readonly port: number | string
  readonly dial: (remote: AddrInfo, local: LocalAddress | undefined) => Effect.Effect<C, E, R | Scope.Scope>
  readonly family?: FamilyOption | undefined
  readonly localAddrs?: Iterable<LocalAddress> | Stream.Stream<LocalAddress> | undefined
  readonly delay?: Duration.DurationInput | null | undefined
  readonly resolver?: Resolver | undefined
  readonly raiseExcGroup?: boolean | undefined
  readonly onEvent?: Trace.OnEvent | undefined
}

/**
 * Connects to `host:port` with Happy Eyeballs, over the transport that `dial` implements.
 *
 * Details
 *
 * The resolver's addresses are streamed into a staggered race (`Stagger.staggeredRace`):
 * attempt i+1 starts `delay` after attempt i, or as soon as it fails, while earlier attempts
 * keep running. The first connection wins; every other attempt is interrupted and its scope
 * closed before `connectWith` returns. The winner stays open until the caller's `Scope` closes.
 *
 * When every attempt fails: with `raiseExcGroup` off, the one error if all are the same (same
 * `_tag` or constructor, same message), else a `ConnectError` holding every error in start
 * order, then the resolver's error if it failed. With `raiseExcGroup` on, a Cause with all of
 * them in parallel, so `Cause.failures` lists each. A host that does not resolve fails with
 * the resolver's `ResolveError`; no attempt for any other reason is a `ConnectError` that says
 * why. Bad arguments fail with `Cause.IllegalArgumentException` before anything is dialled,
 * but for local addresses given as a Stream: each is checked as it arrives, and a bad one ends
 * the connect, closing every attempt.
 *
 * @example
 * ```ts
 * import { HappyEyeballs } from "@effect-stagger/core"
 * import { Effect } from "effect"
 *
 * // Any transport: here a dialer that pretends IPv6 is black-holed.
 * const program = HappyEyeballs.connectWith({
 *   host: "example.test",
 *   port: 443,
 *   dial: (remote) =>
 *     remote.family === 6
 *       ? Effect.never
 *       : Effect.succeed(`connected to ${remote.address}`)
 * })
 * // Effect<string, ResolveError | ConnectError<ResolveError> | IllegalArgumentException, GetAddrInfo | Scope>
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const connectWith: <C, E, R>(
  options: ConnectOptions<C, E, R>
) => Effect.Effect<
  C,
  E | ResolveError | ConnectError<E | ResolveError> | Cause.IllegalArgumentException,
  R | GetAddrInfo | Scope.Scope
> = internal.connectWith
