/**
 * The error of a connect in which no attempt succeeded.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
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
export interface ConnectError<out E = unknown> extends Cause.YieldableError {
  readonly _tag: "ConnectError"
  readonly host: string
  readonly port: number
  readonly errors: ReadonlyArray<E>
  readonly trace: ReadonlyArray<Trace.Event>
}

/**
 * What a `ConnectError` is made of.
 *
 * @since 0.2.0
 * @category models
 */
export interface Fields<E> {
  readonly host: string
  readonly port: number
  readonly errors: ReadonlyArray<E>
  readonly message: string
  readonly trace: ReadonlyArray<Trace.Event>
}

/**
 * Makes a `ConnectError`; `E` is the type of the errors it holds (`connectWith` gives its
 * dial's error type and `ResolveError`).
 *
 * @since 0.1.0
 * @category errors
 */
export const ConnectError: new<E = unknown>(fields: Fields<E>) => ConnectError<E> =
  // `Data.TaggedError` makes a class whose fields cannot name a type parameter of its own:
  // the constructor is typed by hand, with the fields as the class holds them.
  class ConnectError extends Data.TaggedError("ConnectError")<Fields<unknown>> {} as new<E = unknown>(
    fields: Fields<E>
  ) => ConnectError<E>

/**
 * Whether a value is a `ConnectError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isConnectError = (u: unknown): u is ConnectError<unknown> => Predicate.isTagged(u, "ConnectError")
