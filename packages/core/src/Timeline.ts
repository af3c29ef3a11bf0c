/**
 * A connect's `Trace.Event`s as a readable timeline, the way `curl -v` tells a connection's
 * story: one aligned line per event, times in milliseconds since the connect started.
 *
 * ```text
 *     0.4 ms  dns  IPv4       127.0.0.2, 127.0.0.3
 *    20.9 ms  dns  IPv6       ::1
 *    21.2 ms  #0   start      [::1]:41235
 *    21.6 ms  #0   failed     [::1]:41235  ECONNREFUSED
 *    21.8 ms  #1   start      127.0.0.2:41235  (#0 failed)
 *   272.0 ms  #2   start      127.0.0.3:41235  (250 ms after #1)
 *   272.5 ms  #2   connected  127.0.0.3:41235
 *   272.6 ms  #1   cancelled  127.0.0.2:41235  (another attempt won)
 * ```
 *
 * Each start after the first says why it started then: its predecessor failed, the
 * Connection Attempt Delay passed, or its address had only just been resolved. The formatter
 * is a pure fold over the events (`step`), so a program can write each line as the event
 * happens (the `stagger` command does, and a server can log them from `onEvent`), or format a
 * `ConnectError`'s events after the fact (`format`). Plain text unless `color` is asked for.
 *
 * @since 0.2.0
 */
import * as Predicate from "effect/Predicate"
import * as AddrInfo from "./AddrInfo.js"
import * as Trace from "./Trace.js"

/**
 * The event of the attempt that won.
 *
 * @since 0.2.0
 * @category models
 */
export type Connected = Extract<Trace.Event, { readonly _tag: "Connected" }>

/**
 * What the formatter needs to know besides the events.
 *
 * - `delay`: the Connection Attempt Delay in milliseconds (`null`: one attempt at a time), to
 *   tell a start that the delay triggered.
 * - `cancelled`: why a cancelled attempt was cancelled; default `another attempt won`.
 * - `color`: ANSI colours for what happened (`connected` green, `failed` red, `cancelled`
 *   yellow), for a terminal; default `false`, plain text for logs and files.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly delay: number | null
  readonly cancelled?: string | undefined
  readonly color?: boolean | undefined
}

/**
 * What the fold remembers: when each attempt started and failed, and when each address was
 * first resolved.
 *
 * @since 0.2.0
 * @category models
 */
export interface State {
  readonly started: ReadonlyMap<number, number>
  readonly failed: ReadonlyMap<number, number>
  readonly resolved: ReadonlyMap<string, number>
}

/**
 * The state before the first event.
 *
 * @since 0.2.0
 * @category constructors
 */
export const initial: State = { started: new Map(), failed: new Map(), resolved: new Map() }

/**
 * A time as the timeline shows it: milliseconds with one decimal.
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatMillis = (ms: number): string => `${ms.toFixed(1)} ms`

/** A duration in a sentence: `250 ms`, `12.5 ms`. */
const formatDuration = (ms: number) => `${Number.isInteger(ms) ? ms : ms.toFixed(1)} ms`

const familyName = (family: 0 | 4 | 6) => family === 0 ? "any" : `IPv${family}`

const withLocal = (remote: AddrInfo.AddrInfo, local: AddrInfo.LocalAddress | undefined) =>
  local === undefined ?
    AddrInfo.format(remote) :
    `${AddrInfo.format(remote)} from ${local.port ? AddrInfo.formatHostPort(local.address, local.port) : local.address}`

/**
 * The message of an error of any kind.
 *
 * @since 0.2.0
 * @category formatting
 */
export const messageOf = (error: unknown): string =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== "" ?
    error.message :
    String(error)

/** A failed attempt in a few words: its code, TLS-prefixed for a failed handshake. */
const failureDetail = (error: unknown, code: string | undefined) => {
  const tls = Predicate.hasProperty(error, "phase") && error.phase === "tls"
  return code === undefined ? messageOf(error) : tls ? `TLS ${code}` : code
}

/**
 * Why attempt `index` started when it did (RFC 8305 section 5): the later of its gate (the
 * delay after its predecessor started, or its predecessor's failure, whichever came first)
 * and the arrival of its address.
 */
const startReason = (state: State, index: number, address: string, options: Options): string => {
  const previous = state.started.get(index - 1)
  if (previous === undefined) return ""
  const failedAt = state.failed.get(index - 1)
  const delayGate = options.delay === null ? Infinity : previous + options.delay
  const gate = Math.min(delayGate, failedAt ?? Infinity)
  const arrival = state.resolved.get(address) ?? 0
  if (arrival > gate) return "  (its address had just been resolved)"
  if (failedAt !== undefined && failedAt <= delayGate) return `  (#${index - 1} failed)`
  return options.delay === null ? "" : `  (${formatDuration(options.delay)} after #${index - 1})`
}

/** ANSI SGR colours of the `what` column. */
const COLORS: { readonly [what: string]: number } = { connected: 32, failed: 31, cancelled: 33 }

/** `what`, coloured when asked, padded to its column by its visible width. */
const whatColumn = (what: string, color: boolean | undefined) =>
  (color === true && COLORS[what] !== undefined ? `\u001b[${COLORS[what]}m${what}\u001b[39m` : what) +
  " ".repeat(Math.max(0, 9 - what.length))

const line = (at: number, who: string, what: string, details: string, color?: boolean) =>
  `${formatMillis(at).padStart(10)}  ${who.padEnd(3)}  ${whatColumn(what, color)}  ${details}`

/**
 * Formats one event, given what came before, and returns the state for the next.
 *
 * @since 0.2.0
 * @category formatting
 */
export const step = (state: State, event: Trace.Event, options: Options): readonly [State, string] => {
  switch (event._tag) {
    case "Resolved": {
      const resolved = new Map(state.resolved)
      for (const { address } of event.addresses) if (!resolved.has(address)) resolved.set(address, event.at)
      const addresses = event.addresses.map((a) => a.address).join(", ")
      return [
        { ...state, resolved },
        line(event.at, "dns", familyName(event.family), addresses === "" ? "no address" : addresses, options.color)
      ]
    }
    case "ResolveFailed":
      return [state, line(event.at, "dns", familyName(event.family), `failed: ${event.error.message}`, options.color)]
    case "AttemptStarted": {
      const why = startReason(state, event.index, event.remote.address, options)
      return [
        { ...state, started: new Map(state.started).set(event.index, event.at) },
        line(event.at, `#${event.index}`, "start", withLocal(event.remote, event.local) + why, options.color)
      ]
    }
    case "AttemptFailed":
      return [
        { ...state, failed: new Map(state.failed).set(event.index, event.at) },
        line(
          event.at,
          `#${event.index}`,
          "failed",
          `${withLocal(event.remote, event.local)}  ${failureDetail(event.error, event.code)}`,
          options.color
        )
      ]
    case "AttemptCancelled":
      return [
        state,
        line(
          event.at,
          `#${event.index}`,
          "cancelled",
          `${withLocal(event.remote, event.local)}  (${options.cancelled ?? "another attempt won"})`,
          options.color
        )
      ]
    case "Connected":
      return [
        state,
        line(event.at, `#${event.index}`, "connected", withLocal(event.remote, event.local), options.color)
      ]
    case "HistoryApplied": {
      const first = event.remembered === undefined ? [] : [`${event.remembered.address} first (won last time)`]
      const last = event.failed.length === 0 ? [] : [`${event.failed.map((a) => a.address).join(", ")} last (failed)`]
      return [state, line(event.at, "", "history", [...first, ...last].join("; "), options.color)]
    }
  }
}

/**
 * Formats a whole list of events, one line each.
 *
 * @example
 * ```ts
 * import { Timeline, Trace } from "@effect-stagger/core"
 *
 * const v6 = { family: 6 as const, address: "2001:db8::1", port: 443 }
 * const v4 = { family: 4 as const, address: "192.0.2.1", port: 443 }
 * const text = Timeline.format([
 *   Trace.Event.AttemptStarted({ at: 0.2, index: 0, remote: v6, local: undefined }),
 *   Trace.Event.AttemptStarted({ at: 250.4, index: 1, remote: v4, local: undefined }),
 *   Trace.Event.Connected({ at: 262.1, index: 1, remote: v4, local: undefined }),
 *   Trace.Event.AttemptCancelled({ at: 262.5, index: 0, remote: v6, local: undefined, reason: "lost" })
 * ], { delay: 250 }).join("\n")
 * console.log(text)
 * //     0.2 ms  #0   start      [2001:db8::1]:443
 * //   250.4 ms  #1   start      192.0.2.1:443  (250 ms after #0)
 * //   262.1 ms  #1   connected  192.0.2.1:443
 * //   262.5 ms  #0   cancelled  [2001:db8::1]:443  (another attempt won)
 * ```
 *
 * @since 0.2.0
 * @category formatting
 */
export const format = (events: Iterable<Trace.Event>, options: Options): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let state = initial
  for (const event of events) {
    const [next, text] = step(state, event, options)
    state = next
    lines.push(text)
  }
  return lines
}

/**
 * The line after a won race: which attempt connected, from where, and how long it all took.
 *
 * @since 0.2.0
 * @category formatting
 */
export const summary = (options: {
  readonly winner: Connected
  readonly attempts: number
  readonly localAddress: string | undefined
  readonly localPort: number | undefined
  readonly ms: number
}): string => {
  const { attempts, localAddress, localPort, ms, winner } = options
  const from = localAddress === undefined ?
    "" :
    ` from ${localPort === undefined ? localAddress : AddrInfo.formatHostPort(localAddress, localPort)}`
  return `* connected to ${AddrInfo.format(winner.remote)}${from} (attempt #${winner.index} of ${attempts}) in ${
    formatMillis(ms)
  }`
}

/**
 * One line per attempt of a connect that failed, aligned: its address, then how it ended.
 * Attempts that were still running when the connect ended are shown as cancelled.
 *
 * @since 0.2.0
 * @category formatting
 */
export const attempts = (events: Iterable<Trace.Event>, cancelled: string): ReadonlyArray<string> => {
  const rows = new Map<number, { address: string; outcome: string }>()
  for (const event of events) {
    switch (event._tag) {
      case "AttemptStarted":
        rows.set(event.index, { address: withLocal(event.remote, event.local), outcome: `(${cancelled})` })
        break
      case "Connected":
        rows.set(event.index, { address: withLocal(event.remote, event.local), outcome: "won the race (TCP)" })
        break
      case "AttemptFailed":
        rows.set(event.index, {
          address: withLocal(event.remote, event.local),
          outcome: event.code === undefined ?
            messageOf(event.error) :
            `${failureDetail(event.error, event.code)}  ${messageOf(event.error)}`
        })
        break
    }
  }
  const sorted = [...rows.entries()].sort(([a], [b]) => a - b)
  const indexWidth = Math.max(0, ...sorted.map(([index]) => `#${index}`.length))
  const addressWidth = Math.max(0, ...sorted.map(([, row]) => row.address.length))
  return sorted.map(([index, row]) =>
    `  ${`#${index}`.padEnd(indexWidth)}  ${row.address.padEnd(addressWidth)}  ${row.outcome}`
  )
}

/**
 * The line of a TLS handshake that failed after the race: without `handshakeInAttempt`, the
 * handshake runs on the winner of the TCP race, and has no event of its own.
 *
 * @since 0.2.0
 * @category formatting
 */
export const handshakeFailed = (at: number, winner: Connected, error: unknown): string =>
  line(
    at,
    `#${winner.index}`,
    "failed",
    `${withLocal(winner.remote, winner.local)}  ${
      failureDetail(
        error,
        Predicate.hasProperty(error, "code") && typeof error.code === "string" ? error.code : undefined
      )
    }  (TLS handshake after the race)`
  )

/**
 * Whether an event is the winner's `Connected`.
 *
 * @since 0.2.0
 * @category guards
 */
export const isConnected = (event: Trace.Event): event is Connected => Trace.Event.$is("Connected")(event)
