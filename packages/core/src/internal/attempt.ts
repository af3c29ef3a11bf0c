/**
 * One connection attempt: the dial in a scope of its own, in a span, with its trace events.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { AddrInfo, LocalAddress } from "../AddrInfo.js"
import type * as Trace from "../Trace.js"
import * as spans from "./span.js"
import * as trace from "./trace.js"

/** A connected attempt: the connection and the scope that holds its resources. */
export interface Connected<C> {
  readonly connection: C
  readonly scope: Scope.CloseableScope
  readonly remote: AddrInfo
  readonly local: LocalAddress | undefined
  readonly index: number
}

const ended = (
  at: number,
  index: number,
  remote: AddrInfo,
  local: LocalAddress | undefined,
  cause: Cause.Cause<unknown>,
  lost: boolean
): Trace.Event => {
  if (Cause.isInterruptedOnly(cause)) {
    return trace.AttemptCancelled({ at, index, remote, local, reason: lost ? "lost" : "interrupted" })
  }
  const error = Option.getOrElse(Cause.failureOption(cause), () => Cause.squash(cause))
  return trace.AttemptFailed({ at, index, remote, local, error, code: trace.codeOf(error) })
}

/** The attributes of an attempt's span. */
export const spanAttributes = (remote: AddrInfo, local: LocalAddress | undefined, index: number) => ({
  "stagger.index": index,
  "net.peer.ip": remote.address,
  "net.peer.port": remote.port,
  "stagger.family": remote.family,
  ...(local === undefined ? {} : { "net.sock.host.addr": local.address })
})

/** A racing attempt's span. */
export const attemptSpan = (remote: AddrInfo, local: LocalAddress | undefined, index: number): spans.Span => ({
  name: "stagger.attempt",
  attributes: spanAttributes(remote, local, index)
})

/** Where an attempt's scope comes from. */
export interface Scopes {
  /** Opens the attempt's scope. */
  readonly open: Effect.Effect<Scope.CloseableScope>
  /** Told, synchronously, of the scope the attempt opened. */
  readonly opened: (scope: Scope.CloseableScope) => void
  /** Told, synchronously, when the attempt closes its scope itself (it failed or lost). */
  readonly closing: (scope: Scope.CloseableScope) => void
}

const ignore = () => {}

/** Scopes that nobody keeps a record of, from `open`. */
export const unrecorded = (open: Effect.Effect<Scope.CloseableScope>): Scopes => ({
  open,
  opened: ignore,
  closing: ignore
})

const never = () => false

/**
 * The attempt, for a caller that already runs it uninterruptibly, such as a race whose
 * source is `masked`: `restore` is what makes the dial interruptible (`Effect.interruptible`
 * there). Dials in a scope from `scopes`, in `span` if one is given (a connect of one attempt
 * may have its own span around it instead). `won` tells, when the attempt is interrupted,
 * whether another attempt had already connected. A failed or interrupted attempt closes its
 * scope before it ends, so a loser's resources are gone as soon as it has lost.
 */
export const masked = <C, E, R>(
  dial: (remote: AddrInfo, local: LocalAddress | undefined) => Effect.Effect<C, E, R | Scope.Scope>,
  recorder: trace.Recorder,
  scopes: Scopes,
  remote: AddrInfo,
  local: LocalAddress | undefined,
  index: number,
  span: spans.Span | undefined,
  won: () => boolean = never
) =>
(restore: spans.Restore): Effect.Effect<Connected<C>, E, R> =>
  Effect.clockWith((clock) => {
    // Told in this step, with the clock at hand; a listener's effect runs before the dial.
    const told = recorder.record(clock, (at) => trace.AttemptStarted({ at, index, remote, local }))
    const run = Effect.flatMap(
      scopes.open,
      (scope) => {
        scopes.opened(scope)
        const withScope = (context: Context.Context<R>) => Context.add(context, Scope.Scope, scope)
        return Effect.flatMap(
          span === undefined ?
            spans.exitIn(restore, dial(remote, local), withScope) :
            spans.exitInSpan(restore, span, dial(remote, local), withScope),
          (exit) => {
            if (Exit.isSuccess(exit)) return Effect.succeed({ connection: exit.value, scope, remote, local, index })
            scopes.closing(scope)
            const failed = Effect.failCause(exit.cause)
            return Effect.zipRight(
              Scope.close(scope, exit),
              Effect.clockWith((clock) => {
                const told = recorder.record(clock, (at) => ended(at, index, remote, local, exit.cause, won()))
                return trace.andThen(told, failed)
              })
            )
          }
        )
      }
    )
    return trace.andThen(told, run)
  })

/** The attempt for any caller: `masked`, in an uninterruptible region of its own. */
export const make = <C, E, R>(
  ...args: Parameters<typeof masked<C, E, R>>
): Effect.Effect<Connected<C>, E, R> => Effect.uninterruptibleMask(masked(...args))
