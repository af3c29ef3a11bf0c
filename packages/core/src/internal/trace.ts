/**
 * Recording a connect as `Trace.Event`s, and the spans around its lookups and attempts.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as GetAddrInfo from "../GetAddrInfo.js"
import * as Trace from "../Trace.js"
import type * as stagger from "./stagger.js"

/**
 * The event constructors, looked up once: `Trace.Event` is `Data.taggedEnum`'s Proxy, which
 * makes a new constructor on every property access, and a connect makes several events per
 * attempt.
 */
export const { AttemptCancelled, AttemptFailed, AttemptStarted, Connected, HistoryApplied, ResolveFailed, Resolved } =
  Trace.Event

export interface Recorder {
  /** Stamps an event with the time since the connect started, keeps it and reports it. */
  readonly emit: (make: (at: number) => Trace.Event) => Effect.Effect<void>
  /** The events so far, in order. */
  readonly events: Effect.Effect<ReadonlyArray<Trace.Event>>
}

/** Times are kept to the microsecond: enough to read, and exact under TestClock. */
const millisSince = (start: bigint, now: bigint) => Number((now - start) / BigInt(1000)) / 1000

export const makeRecorder = (onEvent: Trace.OnEvent | undefined): Effect.Effect<Recorder> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeNanos
    const events = yield* Ref.make<ReadonlyArray<Trace.Event>>([])
    return {
      emit: (make) =>
        Effect.flatMap(Clock.currentTimeNanos, (now) => {
          const event = make(millisSince(start, now))
          return Effect.zipRight(Ref.update(events, (all) => [...all, event]), onEvent?.(event) ?? Effect.void)
        }),
      events: Ref.get(events)
    }
  })

/**
 * The system error code of a failure, where it has one (`ECONNREFUSED`, ...). A failure whose
 * `code` cannot be read (a getter that throws, a Proxy) has none, rather than making a defect.
 */
export const codeOf = (error: unknown): string | undefined => {
  try {
    return Predicate.hasProperty(error, "code") && typeof error.code === "string" ? error.code : undefined
  } catch {
    return undefined
  }
}

/** OpenTelemetry's `error.type`: the system error code, else the error's tag or class. */
export const errorType = (cause: Cause.Cause<unknown>): string => {
  const error = Option.getOrElse(Cause.failureOption(cause), () => Cause.squash(cause))
  const code = codeOf(error)
  if (code !== undefined) return code
  if (Predicate.hasProperty(error, "_tag") && typeof error._tag === "string") return error._tag
  return error instanceof Error ? error.name : "_OTHER"
}

/** Notes `error.type` on the current span; a loser's interruption is no error. */
export const annotateError = (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Cause.isInterruptedOnly(cause) ? Effect.void : Effect.annotateCurrentSpan("error.type", errorType(cause))

/**
 * `self` in a client span. Making the span and watching `self` happen in one uninterruptible
 * region: `Effect.withSpan` alone leaves its span open when an interruption arrives between
 * the two.
 */
export const inSpan = <A, E, R>(self: Effect.Effect<A, E, R>, name: string, attributes: Record<string, unknown>) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withSpan(restore(self), name, { kind: "client", captureStackTrace: false, attributes })
  )

/** A `GetAddrInfo` whose every lookup is recorded and in a span. */
export const tracedService = (
  recorder: Recorder,
  service: GetAddrInfo.GetAddrInfo["Type"]
): GetAddrInfo.GetAddrInfo["Type"] => ({
  lookup: (host, port, options) =>
    service.lookup(host, port, options).pipe(
      Effect.tapBoth({
        onSuccess: (addresses) => recorder.emit((at) => Resolved({ at, host, family: options.family, addresses })),
        onFailure: (error) =>
          Effect.zipRight(
            annotateError(Cause.fail(error)),
            recorder.emit((at) => ResolveFailed({ at, host, family: options.family, error }))
          )
      }),
      (lookup) => inSpan(lookup, "stagger.lookup", { "server.address": host, "stagger.family": options.family })
    )
})

/**
 * Every lookup the resolver makes, whatever resolver it is, recorded and in a span: the
 * resolver reaches the world only through `GetAddrInfo`.
 */
export const traceLookups = <A, E, R>(
  recorder: Recorder,
  source: stagger.Source<A, E, R>
): stagger.Source<A, E, R | GetAddrInfo.GetAddrInfo> => ({
  pull: Effect.updateService(source.pull, GetAddrInfo.GetAddrInfo, (service) => tracedService(recorder, service))
})
