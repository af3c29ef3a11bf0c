/**
 * An attempt's span and scope, given to its dial at the cost a connect can afford.
 *
 * `Effect.withSpan` and `Scope.extend` each change the fiber's context in an acquire/use/
 * release of their own, about 25-35 steps of the fiber runtime each; an attempt is already
 * uninterruptible, so these make the span and change the context once, inside it. Counted
 * with Effect's op supervision, 38 steps fewer per attempt. (Around a whole effect, where
 * an uninterruptible region must be added, `Effect.withSpan` costs about the same: the
 * lookups' spans and a racing connect's span use it, with `spanOptions`.)
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"

/** What `Effect.uninterruptibleMask` hands its body. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * The exit of `self`, run restored to the caller's interruptibility with the context changed
 * by `change`; the caller's context is back before anything else runs. This is
 * `Effect.provideContext` for a caller that is already uninterruptible.
 */
export const exitIn = <A, E, R, R2>(
  restore: Restore,
  self: Effect.Effect<A, E, R>,
  change: (context: Context.Context<R2>) => Context.Context<R>
): Effect.Effect<Exit.Exit<A, E>, never, R2> =>
  Effect.flatMap(FiberRef.get(FiberRef.currentContext), (caller) =>
    Effect.zipRight(
      FiberRef.set(FiberRef.currentContext, change(caller as Context.Context<R2>) as Context.Context<never>),
      Effect.flatMap(
        Effect.exit(restore(self) as Effect.Effect<A, E>),
        (exit) => Effect.as(FiberRef.set(FiberRef.currentContext, caller), exit)
      )
    ))

/** A span to make: its name and attributes. */
export interface Span {
  readonly name: string
  readonly attributes: Record<string, unknown>
}

/** The options every span of a connect is made with. */
export const spanOptions = (attributes: Record<string, unknown>): Tracer.SpanOptions => ({
  kind: "client",
  captureStackTrace: false,
  attributes
})

/** Ends `span` as `Effect.withSpan` ends its own: now, unless tracer timing is off. */
const end = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) =>
  Effect.withFiberRuntime<void>((fiber) => {
    const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    span.end(timing ? clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
    return Effect.void
  })

/**
 * The exit of `self` in a client span, the current span's child and `self`'s parent, with the
 * context also changed by `change` (in the same step). For a caller that is already
 * uninterruptible, `self` run with `restore`.
 */
export const exitInSpan = <A, E, R, R2>(
  restore: Restore,
  { attributes, name }: Span,
  self: Effect.Effect<A, E, R>,
  change: (context: Context.Context<R2>) => Context.Context<Exclude<R, Tracer.ParentSpan>>
): Effect.Effect<Exit.Exit<A, E>, never, R2> =>
  Effect.flatMap(Effect.makeSpan(name, spanOptions(attributes)), (span) =>
    Effect.flatMap(
      exitIn(
        restore,
        self,
        (context: Context.Context<R2>) => Context.add(change(context), Tracer.ParentSpan, span) as Context.Context<R>
      ),
      (exit) => Effect.as(end(span, exit), exit)
    ))
