/**
 * A connect as one JSON object, for `stagger connect --json`.
 *
 * One object rather than a line per event (NDJSON): the output is a record of a connect that
 * has ended, read by a program after the fact (`jq '.events[] | select(._tag == "AttemptFailed")'`),
 * and a single object also carries the outcome (`connected`, `winner`, `ms`, `error`) beside
 * the events. Events keep the field names of `Trace.Event` (`_tag`, `at`, `index`, `remote`,
 * `local`, `reason`, ...); an error becomes `{ _tag, message, code }`; an absent value is `null`.
 *
 * @since 0.1.0
 */
import type * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as Timeline from "@effect-stagger/core/Timeline"
import type * as Trace from "@effect-stagger/core/Trace"
import * as Predicate from "effect/Predicate"

/**
 * A JSON value.
 *
 * @since 0.1.0
 * @category models
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * What a report is made of.
 *
 * - `winner`: the `Connected` event, if any; `localAddress` and `localPort` are those of the
 *   connected socket.
 * - `ms`: milliseconds from the start of the connect to its end.
 * - `error`: why it failed, if it did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input {
  readonly host: string
  readonly port: number
  readonly events: ReadonlyArray<Trace.Event>
  readonly winner: Timeline.Connected | undefined
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  readonly ms: number
  readonly error: unknown
}

const address = (self: AddrInfo.AddrInfo): Json => ({ family: self.family, address: self.address, port: self.port })

const local = (self: AddrInfo.LocalAddress | undefined): Json =>
  self === undefined ? null : { address: self.address, port: self.port ?? null }

/**
 * An error as `{ _tag, message, code }`, whatever its kind.
 *
 * @since 0.1.0
 * @category encoding
 */
export const error = (self: unknown): Json => ({
  _tag: Predicate.hasProperty(self, "_tag") && typeof self._tag === "string" ? self._tag : null,
  message: Timeline.messageOf(self),
  code: Predicate.hasProperty(self, "code") && typeof self.code === "string" ? self.code : null
})

/** The fields every attempt's event has. */
const attempt = (self: Extract<Trace.Event, { readonly index: number }>): { readonly [key: string]: Json } => ({
  _tag: self._tag,
  at: self.at,
  index: self.index,
  remote: address(self.remote),
  local: local(self.local)
})

/**
 * One `Trace.Event` as JSON.
 *
 * @since 0.1.0
 * @category encoding
 */
export const event = (self: Trace.Event): Json => {
  switch (self._tag) {
    case "Resolved":
      return {
        _tag: self._tag,
        at: self.at,
        host: self.host,
        family: self.family,
        addresses: self.addresses.map(address)
      }
    case "ResolveFailed":
      return { _tag: self._tag, at: self.at, host: self.host, family: self.family, error: error(self.error) }
    case "AttemptFailed":
      return { ...attempt(self), code: self.code ?? null, error: error(self.error) }
    case "AttemptCancelled":
      return { ...attempt(self), reason: self.reason }
    case "AttemptStarted":
    case "Connected":
      return attempt(self)
    case "HistoryApplied":
      return {
        _tag: self._tag,
        at: self.at,
        host: self.host,
        remembered: self.remembered === undefined ? null : address(self.remembered),
        failed: self.failed.map(address)
      }
  }
}

/**
 * The whole connect as one object:
 * `{ host, port, connected, winner, ms, events, error }`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const report = (input: Input): Json => ({
  host: input.host,
  port: input.port,
  connected: input.winner !== undefined,
  winner: input.winner === undefined ? null : {
    index: input.winner.index,
    remote: address(input.winner.remote),
    local: local(input.winner.local),
    localAddress: input.localAddress ?? null,
    localPort: input.localPort ?? null
  },
  ms: Math.round(input.ms * 1000) / 1000,
  events: input.events.map(event),
  error: input.winner === undefined ? error(input.error) : null
})

/**
 * The report as the CLI prints it: indented JSON.
 *
 * @since 0.1.0
 * @category encoding
 */
export const stringify = (input: Input): string => JSON.stringify(report(input), null, 2)
