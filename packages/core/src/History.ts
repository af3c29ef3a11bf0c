/**
 * What earlier connects to a host learned: the address that won and the addresses that
 * failed, so that the next connect tries the winner first (Happy Eyeballs v3's history).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { AddrInfo } from "./AddrInfo.js"
import * as internal from "./internal/history.js"

/**
 * The address that won a connect, and its round-trip time: from the start of its attempt to
 * its connection.
 *
 * @since 0.2.0
 * @category models
 */
export interface Winner {
  readonly address: AddrInfo
  readonly rtt: Duration.Duration
}

/**
 * What is remembered of a `host:port`: the last winner, if it is still to be trusted, and the
 * addresses that failed (refused, unreachable) since, in the order they failed.
 *
 * @since 0.2.0
 * @category models
 */
export interface Entry {
  readonly winner: Option.Option<Winner>
  readonly failed: ReadonlyArray<AddrInfo>
}

/**
 * What one connect learned: its winner, if any, and the addresses whose attempts failed with
 * an error. Attempts that lost or were interrupted say nothing about their address.
 *
 * @since 0.2.0
 * @category models
 */
export interface Outcome {
  readonly winner: Option.Option<Winner>
  readonly failed: ReadonlyArray<AddrInfo>
}

/**
 * The history `HappyEyeballs.connectWith` consults when it is in the context, and ignores when
 * it is not.
 *
 * Details
 *
 * Before resolving `host:port`, the connect looks it up: a remembered winner of the family
 * asked for is attempted first, without waiting for the resolver (RFC 8305 section 4 and the
 * Happy Eyeballs v3 draft: prefer addresses that have been used successfully); then the
 * resolver's addresses, less that one, in their order, with the addresses that failed
 * recently moved behind the others. After the connect, its `Outcome` is recorded, so a race
 * that the remembered address loses replaces it.
 *
 * Implement it to share history between processes; `layerMemory` keeps it in memory.
 *
 * @since 0.2.0
 * @category tags
 */
export class History extends Context.Tag("@effect-stagger/core/History")<History, {
  readonly lookup: (host: string, port: number) => Effect.Effect<Option.Option<Entry>>
  readonly record: (host: string, port: number, outcome: Outcome) => Effect.Effect<void>
}>() {}

/**
 * Options of `layerMemory`.
 *
 * - `ttl`: how long an entry is trusted after its last update, default 10 minutes, so that a
 *   repaired path (or a host that moved) is tried again.
 * - `capacity`: how many `host:port` entries are kept, default 1000; past it the least
 *   recently used goes.
 *
 * @since 0.2.0
 * @category models
 */
export interface MemoryOptions {
  readonly ttl?: Duration.DurationInput | undefined
  readonly capacity?: number | undefined
}

/**
 * A `History` in memory, for one process.
 *
 * Details
 *
 * Entries expire `ttl` after their last update (by Effect's `Clock`, so `TestClock` moves
 * them too); past `capacity` the least recently used `host:port` is dropped. A `ttl` that is
 * not a duration of at least 0, or a `capacity` that is not an integer of at least 1, is a
 * defect (`Cause.IllegalArgumentException`) when the layer is built.
 *
 * A network change (a laptop moving from one Wi-Fi to another, a VPN coming up) can make a
 * remembered winner unreachable: its attempt then fails or hangs, and the race goes on to the
 * resolver's addresses after the Connection Attempt Delay, as it would for any broken path;
 * the new winner replaces it. Leave the layer out to keep no history at all.
 *
 * @example
 * ```ts
 * import { HappyEyeballs, History } from "@effect-stagger/core"
 * import { Effect } from "effect"
 *
 * const connect = HappyEyeballs.connectWith({
 *   host: "example.test",
 *   port: 443,
 *   dial: (remote) => Effect.succeed(remote.address)
 * })
 * // The second connect tries the first one's winner first.
 * const program = Effect.zipRight(Effect.scoped(connect), Effect.scoped(connect)).pipe(
 *   Effect.provide(History.layerMemory({ ttl: "5 minutes" }))
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory = (options?: MemoryOptions): Layer.Layer<History> =>
  Layer.effect(History, internal.makeMemory(options))
