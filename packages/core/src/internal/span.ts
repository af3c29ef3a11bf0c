/**
 * Spans and a dial's scope, given at the cost a connect can afford.
 *
 * `Effect.withSpan` and `Scope.extend` each change the fiber's context in an acquire/use/
 * release of their own, about 25-35 steps of the fiber runtime each. An attempt is already
 * uninterruptible, so `exitIn` and `exitInSpan` make the span and change the context once,
 * inside it, and restore the context in the step that sees the exit; `inSpan` does the same
 * for a whole effect (the connect's and the lookups' spans), with an uninterruptible region
 * of its own. Counted with Effect's op supervision (`pnpm bench`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import { identity } from "effect/Function"
import * as Tracer from "effect/Tracer"

/** What `Effect.uninterruptibleMask` hands its body. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** A span to make: its name and attributes. */
export interface Span {
  readonly name: string
  readonly attributes: Record<string, unknown>
}

/** The options every span of a connect is made with. */
const spanOptions = (attributes: Record<string, unknown>): Tracer.SpanOptions => ({
  kind: "client",
  captureStackTrace: false,
  attributes
})

/** Ends `span` as `Effect.withSpan` ends its own: now, unless tracer timing is off. */
const end = (fiber: Fiber.RuntimeFiber<unknown, unknown>, span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) => {
  const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
  span.end(timing ? clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
}

/**
 * The exit of `self`, run restored to the caller's interruptibility with the context changed
 * by `change`; the caller's context is back, and `span` (if given) ended, before anything else
 * runs. This is `Effect.provideContext` for a caller that is already uninterruptible.
 */
export const exitIn = <A, E, R, R2>(
  restore: Restore,
  self: Effect.Effect<A, E, R>,
  change: (context: Context.Context<R2>) => Context.Context<R>,
  span?: Tracer.Span
): Effect.Effect<Exit.Exit<A, E>, never, R2> =>
  Effect.flatMap(
    FiberRef.modify(
      FiberRef.currentContext,
      (caller) => [caller, change(caller as Context.Context<R2>) as Context.Context<never>]
    ),
    (caller) => {
      const back = (exit: Exit.Exit<A, E>) => FiberRef.modify(FiberRef.currentContext, () => [exit, caller])
      const ended = span === undefined ?
        back :
        (exit: Exit.Exit<A, E>) =>
          Effect.withFiberRuntime<Exit.Exit<A, E>>((fiber) => {
            end(fiber, span, exit)
            return back(exit)
          })
      return Effect.matchCauseEffect(restore(self) as Effect.Effect<A, E>, {
        onFailure: (cause) => ended(Exit.failCause(cause)),
        onSuccess: (value) => ended(Exit.succeed(value))
      })
    }
  )

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
    exitIn(
      restore,
      self,
      (context: Context.Context<R2>) => Context.add(change(context), Tracer.ParentSpan, span) as Context.Context<R>,
      span
    ))

/**
 * `self` in a client span, as `Effect.withSpan` would run it, at the cost of `exitInSpan`
 * (about 15 steps fewer): only the span's making and the context's change are uninterruptible.
 */
export const inSpan = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  span: Span
): Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatten(
      exitInSpan(
        restore,
        span,
        self,
        identity as (
          context: Context.Context<Exclude<R, Tracer.ParentSpan>>
        ) => Context.Context<Exclude<R, Tracer.ParentSpan>>
      )
    )
  )
