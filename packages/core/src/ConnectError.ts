/**
 * The error of a connect in which no attempt succeeded.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"
import type * as Trace from "./Trace.js"

/**
 * No attempt connected, and the failures were not all the same.
 *
 * `errors` holds every attempt's error in start order, then the resolver's error if it
 * failed, and `message` is `Multiple exceptions: ` followed by each error's message. When no
 * attempt could be made at all (the resolver ended without an address, or no local address
 * has the family of any remote one), `errors` is empty and `message` says why. `trace` holds
 * every event of the connect, in order.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectError extends Data.TaggedError("ConnectError")<{
  readonly host: string
  readonly port: number
  readonly errors: ReadonlyArray<unknown>
  readonly message: string
  readonly trace: ReadonlyArray<Trace.Event>
}> {}

/**
 * Whether a value is a `ConnectError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isConnectError = (u: unknown): u is ConnectError => Predicate.isTagged(u, "ConnectError")
