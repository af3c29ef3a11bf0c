/**
 * What a connect did, as data: each DNS answer, each attempt's start and end, the winner.
 *
 * Pass `onEvent` to `HappyEyeballs.connectWith` (or any connect built on it) to receive the
 * events as they happen; a `ConnectError` carries them all. Times are milliseconds since the
 * connect started, read from Effect's `Clock`, so under `TestClock` they are exact.
 *
 * The connect also runs in Effect spans (`stagger.connect`, `stagger.lookup`,
 * `stagger.attempt`) with OpenTelemetry's attribute names (`server.address`, `server.port`,
 * `network.peer.address`, `network.peer.port`, `network.type`, `error.type`) and the outcome
 * as the span's exit, so a tracer such as `@effect/opentelemetry` shows the race with no extra
 * code. `stagger.connect` also carries the winner's address, `stagger.attempts` and
 * `stagger.attempts.failed`. A family with no records ends its lookup span without error.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type { AddrInfo, FamilyOption, LocalAddress } from "./AddrInfo.js"
import type { ResolveError } from "./GetAddrInfo.js"

/**
 * One thing that happened during a connect.
 *
 * - `Resolved` / `ResolveFailed`: one lookup's answer (each family's, with the concurrent
 *   resolver) or failure. A family with no records is a `Resolved` with no address; only both
 *   families giving none is the resolver's failure.
 * - `AttemptStarted`: attempt `index` began dialling `remote`, bound to `local` if given.
 * - `AttemptFailed`: it failed with `error` (`code` is the system error code when the error has
 *   one, such as `ECONNREFUSED`).
 * - `AttemptCancelled`: it was interrupted: `reason` is `"lost"` when another attempt had won,
 *   `"interrupted"` when the connect itself was interrupted (a timeout, the caller) or ended by
 *   a bad local address arriving from a `localAddrs` Stream.
 * - `Connected`: attempt `index` won, told the moment it connected: before the losers'
 *   `AttemptCancelled` events, whose cancellation it caused.
 * - `HistoryApplied` (since 0.2.0): a `History` in the context knew `host`: `remembered`, the
 *   last winner, is attempted first, and the addresses in `failed` go behind the others.
 *
 * @since 0.1.0
 * @category models
 */
export type Event = Data.TaggedEnum<{
  Resolved: {
    readonly at: number
    readonly host: string
    readonly family: FamilyOption
    readonly addresses: ReadonlyArray<AddrInfo>
  }
  ResolveFailed: {
    readonly at: number
    readonly host: string
    readonly family: FamilyOption
    readonly error: ResolveError
  }
  AttemptStarted: {
    readonly at: number
    readonly index: number
    readonly remote: AddrInfo
    readonly local: LocalAddress | undefined
  }
  AttemptFailed: {
    readonly at: number
    readonly index: number
    readonly remote: AddrInfo
    readonly local: LocalAddress | undefined
    readonly error: unknown
    readonly code: string | undefined
  }
  AttemptCancelled: {
    readonly at: number
    readonly index: number
    readonly remote: AddrInfo
    readonly local: LocalAddress | undefined
    readonly reason: "lost" | "interrupted"
  }
  Connected: {
    readonly at: number
    readonly index: number
    readonly remote: AddrInfo
    readonly local: LocalAddress | undefined
  }
  HistoryApplied: {
    readonly at: number
    readonly host: string
    readonly remembered: AddrInfo | undefined
    readonly failed: ReadonlyArray<AddrInfo>
  }
}>

/**
 * Constructors, guards and `$match` for `Event`.
 *
 * @example
 * ```ts
 * import { Trace } from "@effect-stagger/core"
 *
 * const describe = Trace.Event.$match({
 *   Resolved: (e) => `${e.at} ms: IPv${e.family} answered ${e.addresses.length} addresses`,
 *   ResolveFailed: (e) => `${e.at} ms: IPv${e.family} lookup failed: ${e.error.message}`,
 *   AttemptStarted: (e) => `${e.at} ms: #${e.index} connecting to ${e.remote.address}`,
 *   AttemptFailed: (e) => `${e.at} ms: #${e.index} failed: ${e.code}`,
 *   AttemptCancelled: (e) => `${e.at} ms: #${e.index} cancelled (${e.reason})`,
 *   Connected: (e) => `${e.at} ms: #${e.index} connected`,
 *   HistoryApplied: (e) => `${e.at} ms: history: ${e.remembered?.address ?? "no winner"} first`
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const Event = Data.taggedEnum<Event>()

/**
 * Receives each event as it happens. It runs inside the connect: keep it short (append to a
 * `Ref`, offer to a `Queue`, log a line).
 *
 * @since 0.1.0
 * @category models
 */
export type OnEvent = (event: Event) => Effect.Effect<void>
