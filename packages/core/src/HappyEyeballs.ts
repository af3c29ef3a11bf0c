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
import * as internalWarmUp from "./internal/warmUp.js"
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
 *   (the seed's ExceptionGroup) instead of one error.
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
 * // Effect<string, ResolveError | ConnectError | IllegalArgumentException, GetAddrInfo | Scope>
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const connectWith: <C, E, R>(
  options: ConnectOptions<C, E, R>
) => Effect.Effect<
  C,
  E | ResolveError | ConnectError | Cause.IllegalArgumentException,
  R | GetAddrInfo | Scope.Scope
> = internal.connectWith

/**
 * What a rehearsal attempt of `warmUp` is to do: connect, be refused, or never answer (until
 * the race interrupts it).
 *
 * @since 0.1.0
 * @category models
 */
export type Rehearsal = "connected" | "refused" | "silent"

/**
 * Options of `warmUp`.
 *
 * - `rounds`: how many times to run each kind of rehearsal; default 1, `0` for none. In the
 *   network lab, a process's first connect was no faster after 3 rounds than after 1.
 * - `dial(remote, outcome)`: how a rehearsal attempt is dialled. A transport passes its own
 *   dial over a connection that lives in memory and does what `outcome` says in a later turn
 *   of the event loop, so that its code is warmed too. It must open nothing outside the
 *   process. Without it, attempts succeed or fail with a plain `Error`, a turn later.
 *
 * @since 0.1.0
 * @category models
 */
export interface WarmUpOptions {
  readonly rounds?: number | undefined
  readonly dial?:
    | ((remote: AddrInfo, outcome: Rehearsal) => Effect.Effect<unknown, unknown, Scope.Scope>)
    | undefined
}

/**
 * Rehearses connects in memory, so that the program's first real connect does not also pay
 * for V8 compiling and warming up the code that runs it.
 *
 * Details
 *
 * A fresh process runs each function interpreted, and compiles it only once it has run often.
 * A connect runs a few hundred functions of Effect's fiber runtime and of this library, so the
 * first connects of a process are several times slower than later ones: in the network lab
 * (docs/benchmarks.md), a first connect to a name whose first eight addresses refuse takes
 * 21-33 ms, and 6-15 ms after one warm-up connect or `warmUp`.
 *
 * `warmUp` runs `connectWith` with a resolver and a dialer that live in memory and answer in a
 * later turn of the event loop, as real ones do, along the paths real connects take: refused
 * attempts, an attempt that stays silent until the delay starts the next and loses, a connect in
 * which all fail, and an IP literal. It opens no socket and sends nothing. It runs in Effect's
 * default runtime, so its spans do not reach the caller's tracer and a `TestClock` does not
 * hold it up. It takes tens of milliseconds of CPU: worth it in a server, which pays it once at
 * start-up, and not in a program that makes one connection and exits.
 *
 * `rounds` that is not an integer of at least 0 fails with `Cause.IllegalArgumentException`.
 * `NodeHappyEyeballs.warmUp` adds Node's own pieces and is the one to use on Node, where
 * `NodeGetAddrInfo`'s layers run it when they are first built.
 *
 * @example
 * ```ts
 * import { HappyEyeballs } from "@effect-stagger/core"
 * import { Layer } from "effect"
 *
 * // Part of the program's start-up, before it serves anything.
 * const WarmUp = Layer.effectDiscard(HappyEyeballs.warmUp())
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const warmUp: (options?: WarmUpOptions) => Effect.Effect<void, Cause.IllegalArgumentException> =
  internalWarmUp.warmUp
