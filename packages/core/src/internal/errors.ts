/**
 * Turning many failures into one, as async_stagger's `raise_one_exception_from_many` does.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"

/**
 * A property of a failure value, `undefined` when reading it throws. A dialer may fail with
 * anything (an object without a prototype, a getter that throws, a Proxy): it is aggregated as
 * it is, and reading it must not turn the connect's failure into a defect.
 */
const read = (value: unknown, key: string): unknown => {
  try {
    return Predicate.hasProperty(value, key) ? value[key] : undefined
  } catch {
    return undefined
  }
}

/** The readable text of any failure value; `[object Object]` for one that has none. */
export const messageOf = (error: unknown): string => {
  const message = read(error, "message")
  if (typeof message === "string") return message
  try {
    return String(error)
  } catch {
    try {
      return Object.prototype.toString.call(error)
    } catch {
      return typeof error
    }
  }
}

/** Errors are "the same" when they share a tag (or, untagged, a constructor) and a message. */
const kindOf = (error: unknown): unknown =>
  Predicate.hasProperty(error, "_tag") ?
    read(error, "_tag") :
    Predicate.isObject(error) ?
    read(error, "constructor") :
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

/** How a connect with no winner fails. */
export type Outcome<E> =
  | { readonly _tag: "Cause"; readonly cause: Cause.Cause<E> }
  | { readonly _tag: "Multiple"; readonly errors: ReadonlyArray<unknown> }
  | { readonly _tag: "NoAttempt" }

/** A bad resolver option is a defect of the resolver's stream; to the connect, a bad argument. */
const badArgument = (cause: Cause.Cause<unknown>) =>
  Cause.find(
    cause,
    (c) => Cause.isDieType(c) && Cause.isIllegalArgumentException(c.defect) ? Option.some(c.defect) : Option.none()
  )

/**
 * async_stagger's rules for a connect in which nothing won. Attempt errors in start order, then
 * the resolver's (as async_stagger appends `aiter_exc`); a defect anywhere is kept as a defect.
 * - nothing attempted and the resolver failed: the resolver's failure, as it is;
 * - `raiseExcGroup`: every error in parallel (a resolver error standing for both families
 *   contributes each of them);
 * - otherwise the one error if all are the same, else `Multiple`.
 */
export const aggregate = <
  E,
  E2 extends { readonly _tag: string; readonly errors?: ReadonlyArray<unknown> | undefined }
>(
  attempts: ReadonlyArray<Option.Option<Cause.Cause<E>>>,
  source: Option.Option<Cause.Cause<E2>>,
  raiseExcGroup: boolean
): Outcome<unknown> => {
  const failures: Array<unknown> = []
  for (const cause of attempts) {
    if (Option.isNone(cause)) continue
    const error = Cause.failureOption(cause.value)
    if (Option.isSome(error)) failures.push(error.value)
    else if (!Cause.isInterruptedOnly(cause.value)) return { _tag: "Cause", cause: cause.value }
  }
  if (Option.isSome(source)) {
    const bad = badArgument(source.value)
    if (Option.isSome(bad)) return { _tag: "Cause", cause: Cause.fail(bad.value) }
    const sourceFailures = Array.from(Cause.failures(source.value))
    if (failures.length === 0 || sourceFailures.length === 0) return { _tag: "Cause", cause: source.value }
    for (const error of sourceFailures) {
      if (raiseExcGroup && error._tag === "ResolveError" && error.errors !== undefined) {
        failures.push(...error.errors)
      } else {
        failures.push(error)
      }
    }
  }
  if (failures.length === 0) return { _tag: "NoAttempt" }
  if (raiseExcGroup) return { _tag: "Cause", cause: failures.map((e) => Cause.fail(e)).reduce(Cause.parallel) }
  if (allSame(failures)) return { _tag: "Cause", cause: Cause.fail(failures[0]) }
  return { _tag: "Multiple", errors: failures }
}
