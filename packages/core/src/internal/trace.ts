/**
 * Recording a connect as `Trace.Event`s, and the spans around its lookups and attempts.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as GetAddrInfo from "../GetAddrInfo.js"
import * as Trace from "../Trace.js"
import * as spans from "./span.js"

/**
 * The event constructors, looked up once: `Trace.Event` is `Data.taggedEnum`'s Proxy, which
 * makes a new constructor on every property access, and a connect makes several events per
 * attempt.
 */
export const { AttemptCancelled, AttemptFailed, AttemptStarted, Connected, ResolveFailed, Resolved } = Trace.Event

export interface Recorder {
  /** Stamps an event with the time since the connect started, keeps it and reports it. */
  readonly emit: (make: (at: number) => Trace.Event) => Effect.Effect<void>
  /**
   * `emit` for a caller that has the Clock at hand, in its own step: stamps and keeps the
   * event now, and returns what reports it, if anyone listens.
   */
  readonly record: (clock: Clock.Clock, make: (at: number) => Trace.Event) => Effect.Effect<void> | undefined
  /** The events so far, in order. */
  readonly events: () => ReadonlyArray<Trace.Event>
}

/** Times are kept to the microsecond: enough to read, and exact under TestClock. */
const millisSince = (start: bigint, now: bigint) => Number((now - start) / BigInt(1000)) / 1000

export const makeRecorder = (onEvent: Trace.OnEvent | undefined): Effect.Effect<Recorder> =>
  Effect.map(Clock.currentTimeNanos, (start) => {
    // Appended to by the attempts' fibers; read once the connect has ended.
    const events: Array<Trace.Event> = []
    const record = (clock: Clock.Clock, make: (at: number) => Trace.Event) => {
      const event = make(millisSince(start, clock.unsafeCurrentTimeNanos()))
      events.push(event)
      return onEvent === undefined ? undefined : onEvent(event)
    }
    return {
      emit: (make) => Effect.clockWith((clock) => record(clock, make) ?? Effect.void),
      record,
      events: () => events.slice()
    }
  })

/** What `Recorder.record` returned, to run before `next`: nothing when nobody listens. */
export const andThen = <A, E, R>(told: Effect.Effect<void> | undefined, next: Effect.Effect<A, E, R>) =>
  told === undefined ? next : Effect.zipRight(told, next)

/** Records nothing: the hot path's recorder when nobody listens. */
export const silent: Recorder = { emit: () => Effect.void, record: () => undefined, events: () => [] }

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

/** A `GetAddrInfo` whose every lookup is recorded and in a span. */
export const tracedService = (
  recorder: Recorder,
  service: GetAddrInfo.GetAddrInfo["Type"]
): GetAddrInfo.GetAddrInfo["Type"] => ({
  lookup: (host, port, options) =>
    spans.inSpan(
      Effect.tapBoth(service.lookup(host, port, options), {
        onSuccess: (addresses) => recorder.emit((at) => Resolved({ at, host, family: options.family, addresses })),
        onFailure: (error) => recorder.emit((at) => ResolveFailed({ at, host, family: options.family, error }))
      }),
      { name: "stagger.lookup", attributes: { "stagger.host": host, "stagger.family": options.family } }
    )
})

/**
 * Every lookup the resolver makes, whatever resolver it is, recorded and in a span: the
 * resolver reaches the world only through `GetAddrInfo`.
 */
export const traceLookups = <A, E, R>(recorder: Recorder, stream: Stream.Stream<A, E, R>) =>
  Stream.updateService(stream, GetAddrInfo.GetAddrInfo, (service) => tracedService(recorder, service))
