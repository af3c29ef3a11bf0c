/**
 * One connection attempt: the dial in a scope of its own, in a span, with its trace events.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import type { AddrInfo, LocalAddress } from "../AddrInfo.js"
import type * as Trace from "../Trace.js"
import * as trace from "./trace.js"

/** A connected attempt: the connection and the scope that holds its resources. */
export interface Connected<C> {
  readonly connection: C
  readonly scope: Scope.CloseableScope
  readonly remote: AddrInfo
  readonly local: LocalAddress | undefined
  readonly index: number
  /** From the attempt's start to its connection. */
  readonly rtt: Duration.Duration
}

/** What every attempt of one connect shares. */
export interface Context<C, E, R> {
  readonly dial: (remote: AddrInfo, local: LocalAddress | undefined) => Effect.Effect<C, E, R | Scope.Scope>
  readonly recorder: trace.Recorder
  /** The cleanup set: every attempt's scope, in start order. */
  readonly scopes: Ref.Ref<ReadonlyArray<Scope.CloseableScope>>
  /** Whether an attempt has won: an interrupted attempt then lost, rather than being cut short. */
  readonly won: Ref.Ref<boolean>
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

/** OpenTelemetry's `network.type`. */
export const networkType = (remote: AddrInfo) => remote.family === 6 ? "ipv6" : "ipv4"

/**
 * The attributes of an attempt's span, in OpenTelemetry's semantic conventions for the
 * network, plus the attempt's place in the race.
 */
const spanAttributes = (remote: AddrInfo, local: LocalAddress | undefined, index: number) => ({
  "network.peer.address": remote.address,
  "network.peer.port": remote.port,
  "network.type": networkType(remote),
  "network.transport": "tcp",
  "stagger.attempt.index": index,
  ...(local === undefined ? {} : { "network.local.address": local.address })
})

/**
 * Dials `remote` from `local` in a scope of its own. A failed or interrupted attempt closes its
 * scope before it ends, so a loser's resources are gone as soon as it has lost; a connected
 * one hands its scope on with the connection.
 */
export const make = <C, E, R>(
  context: Context<C, E, R>,
  remote: AddrInfo,
  local: LocalAddress | undefined,
  index: number
): Effect.Effect<Connected<C>, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const { dial, recorder, scopes, won } = context
      yield* recorder.emit((at) => trace.AttemptStarted({ at, index, remote, local }))
      const startedAt = yield* Clock.currentTimeNanos
      const scope = yield* Scope.make()
      yield* Ref.update(scopes, (all) => [...all, scope])
      const exit = yield* restore(dial(remote, local)).pipe(
        Scope.extend(scope),
        Effect.tapErrorCause(trace.annotateError),
        Effect.withSpan("stagger.attempt", {
          kind: "client",
          captureStackTrace: false,
          attributes: spanAttributes(remote, local, index)
        }),
        Effect.exit
      )
      if (Exit.isSuccess(exit)) {
        const rtt = Duration.nanos((yield* Clock.currentTimeNanos) - startedAt)
        return { connection: exit.value, scope, remote, local, index, rtt }
      }
      yield* Scope.close(scope, exit)
      const lost = yield* Ref.get(won)
      yield* recorder.emit((at) => ended(at, index, remote, local, exit.cause, lost))
      return yield* Effect.failCause(exit.cause)
    })
  )
