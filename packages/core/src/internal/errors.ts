/**
 * Turning many failures into one, as the seed's `raise_one_exception_from_many` does.
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"

/** The readable text of any failure value. */
export const messageOf = (error: unknown): string =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string" ? error.message : String(error)

/** Errors are "the same" when they share a tag (or, untagged, a constructor) and a message. */
const kindOf = (error: unknown): unknown =>
  Predicate.hasProperty(error, "_tag") ?
    error._tag :
    Predicate.isObject(error) ?
    error.constructor :
    typeof error

/** @internal */
export const allSame = (errors: ReadonlyArray<unknown>): boolean =>
  errors.every((e) => kindOf(e) === kindOf(errors[0]) && messageOf(e) === messageOf(errors[0]))

/** @internal */
export const multipleMessage = (errors: ReadonlyArray<unknown>): string =>
  `Multiple exceptions: ${errors.map(messageOf).join(", ")}`

/** One message for many: the shared one when all agree, else `Multiple exceptions: ...`. */
export const combinedMessage = (errors: ReadonlyArray<unknown>): string =>
  errors.length > 0 && allSame(errors) ? messageOf(errors[0]) : multipleMessage(errors)
