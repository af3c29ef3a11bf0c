/**
 * The connect's racing path: the resolver's addresses streamed into a staggered race, paired
 * with the local addresses of their family, every attempt's scope in one cleanup set.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AddrInfo, LocalAddress } from "../AddrInfo.js"
import * as Aitertools from "../Aitertools.js"
import { ConnectError } from "../ConnectError.js"
import * as GetAddrInfo from "../GetAddrInfo.js"
import type * as HappyEyeballs from "../HappyEyeballs.js"
import * as attempt from "./attempt.js"
import * as errors from "./errors.js"
import * as ip from "./ip.js"
import * as resolver from "./resolver.js"
import * as stagger from "./stagger.js"
import * as trace from "./trace.js"
import * as validate from "./validate.js"

/** Checked arguments of a connect. */
export interface Arguments {
  readonly host: string
  readonly port: number
  readonly family: 0 | 4 | 6
  readonly delay: Duration.DurationInput | null
  readonly locals: ReadonlyArray<LocalAddress> | Stream.Stream<LocalAddress> | undefined
  /** Set when the host is an IP literal of a family asked for: it is not resolved. */
  readonly literal: AddrInfo | undefined
}

type Pair = readonly [AddrInfo, LocalAddress | undefined]

/** Fix: a local address is paired only with remotes of its own family. */
export const sameFamily = (remote: AddrInfo, local: LocalAddress) => ip.ipFamily(local.address) === remote.family

/** A remote's attempts: one per local address of its family, or one unbound. */
const pairsOf = (remote: AddrInfo, locals: ReadonlyArray<LocalAddress> | undefined): ReadonlyArray<Pair> =>
  locals === undefined ?
    [[remote, undefined]] :
    locals.filter((local) => sameFamily(remote, local)).map((local) => [remote, local] as const)

/** The reason no attempt was made, when the resolver gave no error. */
export const noAttemptMessage = (host: string, port: number, remotes: number) =>
  remotes === 0 ?
    `the resolver returned no address for ${host}:${port}` :
    `no local address has the family of any of the ${remotes} addresses of ${host}:${port}`

export const connect = <C, E, R>(options: HappyEyeballs.ConnectOptions<C, E, R>, args: Arguments) =>
  Effect.gen(function*() {
    const { delay, host, literal, locals, port } = args
    const caller = yield* Effect.scope
    const recorder = yield* trace.makeRecorder(options.onEvent)
    // The connect's state is plain variables, each changed in one synchronous step.
    let remotesSeen = 0
    // The resolver's failure as it left the resolver: the stream operators between it and the
    // race keep only the first failure of a parallel Cause (raiseExcGroup).
    let resolverCause = Option.none<Cause.Cause<GetAddrInfo.ResolveError>>()
    // Ends the connect when a local address from a Stream is bad.
    const abort = stagger.isStream(locals) ? yield* Deferred.make<never, Cause.IllegalArgumentException>() : undefined

    // The cleanup set: the resolution's scope, then every attempt's scope in start order,
    // less those the attempts closed themselves.
    const scopes = new Set<Scope.CloseableScope>()
    const attemptScopes: attempt.Scopes = {
      open: Scope.make(),
      opened: (scope) => {
        scopes.add(scope)
      },
      closing: (scope) => {
        scopes.delete(scope)
      }
    }

    // Whether an attempt has won: a cancelled attempt then lost, rather than being cut short
    // by the connect's own interruption. Set, and the win told, in the winner's fiber before
    // any loser is cancelled.
    let someoneWon = false
    const won = () => someoneWon
    const onWin: stagger.OnWin<attempt.Connected<C>> = ({ index, local, remote }) => {
      someoneWon = true
      return recorder.emit((at) => trace.Connected({ at, index, remote, local }))
    }
    // Attempts, in order: each remote as it is resolved, with each local of its family.
    const maskedAttemptOf = ([remote, local]: Pair, index: number) =>
      attempt.masked(
        options.dial,
        recorder,
        attemptScopes,
        remote,
        local,
        index,
        attempt.attemptSpan(remote, local, index),
        won
      )
    // For a race whose source is `masked`: run uninterruptibly, the dial restored.
    const raceAttemptOf = (pair: Pair, index: number) => maskedAttemptOf(pair, index)(Effect.interruptible)
    const attemptOf = (pair: Pair, index: number) => Effect.uninterruptibleMask(maskedAttemptOf(pair, index))
    const resolved = literal === undefined ?
      (options.resolver ?? resolver.concurrentResolver)(host, port, { family: args.family }) :
      undefined
    const open = resolved === undefined ? undefined : resolver.openOf(resolved)

    const pairsStream = (
      stream: Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> | undefined,
      localsOf: typeof locals
    ): Stream.Stream<Pair, unknown, GetAddrInfo.GetAddrInfo> => {
      const remotes = stream === undefined ?
        Stream.fromIterable(literal === undefined ? [] : [literal]) :
        Stream.tap(
          trace.traceLookups(
            recorder,
            Stream.tapErrorCause(stream, (cause) =>
              Effect.sync(() => {
                resolverCause = Option.some(cause)
              }))
          ),
          () =>
            Effect.sync(() => {
              remotesSeen++
            })
        )
      return localsOf === undefined || Array.isArray(localsOf) ?
        Stream.flatMap(remotes, (remote) => Stream.fromIterable(pairsOf(remote, localsOf))) :
        Stream.filter(
          Aitertools.product(
            remotes,
            Stream.mapEffect(
              localsOf as Stream.Stream<LocalAddress>,
              (local) =>
                Either.match(validate.localAddress(local), {
                  // Fix: a bad local address ends the whole connect, closing every attempt.
                  onLeft: (error) => Effect.zipRight(Deferred.fail(abort!, error), Effect.fail(error)),
                  onRight: Effect.succeed
                })
            )
          ),
          ([remote, local]) => sameFamily(remote, local)
        )
    }

    const race = open !== undefined && (locals === undefined || Array.isArray(locals)) ?
      // A built-in resolver, pulled directly: the same order, without a Stream's machinery.
      // Its lookups run in a scope of the cleanup set, closed first when the connect ends.
      Effect.gen(function*() {
        // Made before any attempt's, so it is closed first.
        const resolution = yield* Scope.make()
        scopes.add(resolution)
        const service = yield* GetAddrInfo.GetAddrInfo
        const opened = yield* Effect.exit(open(trace.tracedService(recorder, service), resolution))
        // A bad resolver option is the resolver's defect, reported as the race's source error.
        if (Exit.isFailure(opened)) {
          return {
            winner: Option.none(),
            winnerIndex: Option.none(),
            errors: [],
            sourceError: Option.some(opened.cause)
          }
        }
        const remotes = opened.value
        // The pairs of the latest remote that are not yet pulled.
        let pending: ReadonlyArray<Pair> = []
        let index = 0
        type Next = Exit.Exit<Option.Option<Effect.Effect<attempt.Connected<C>, E, R>>, GetAddrInfo.ResolveError>
        const take = (): Next => {
          const next = pending[0]
          pending = pending.slice(1)
          return Exit.succeed(Option.some(raceAttemptOf(next, index++)))
        }
        const pair = (remote: AddrInfo) => {
          pending = pairsOf(remote, locals)
          remotesSeen++
        }
        // A remote that pairs with no local address is skipped, and the next one taken.
        const poll = (): Next | undefined => {
          while (pending.length === 0) {
            const next = remotes.poll()
            if (next === undefined) return undefined
            if (Exit.isFailure(next)) return Exit.failCause(next.cause)
            if (Option.isNone(next.value)) return Exit.succeed(Option.none())
            pair(next.value.value)
          }
          return take()
        }
        const pull: stagger.Pull<Effect.Effect<attempt.Connected<C>, E, R>, GetAddrInfo.ResolveError, never> = Effect
          .suspend(() =>
            poll() ??
              Effect.flatMap(remotes.pull, (next) => {
                if (Option.isNone(next)) return Effect.succeedNone
                pair(next.value)
                return pull
              })
          )
        return yield* stagger.race({ pull, poll, masked: true }, stagger.decodeDelay(delay), onWin)
      }) :
      stagger.staggeredRace(
        Stream.map(
          Stream.zipWithIndex(pairsStream(resolved, locals)),
          ([pair, index]) => attemptOf(pair, index)
        ),
        { delay, onWin }
      )

    const failure = (result: stagger.Result<E, unknown>) =>
      Effect.suspend(() => {
        const source: Option.Option<Cause.Cause<{ readonly _tag: string }>> = Option.isSome(resolverCause) ?
          resolverCause :
          result.sourceError as Option.Option<Cause.Cause<{ readonly _tag: string }>>
        const outcome = errors.aggregate(result.errors, source, options.raiseExcGroup ?? false)
        switch (outcome._tag) {
          case "Cause":
            return Effect.failCause(outcome.cause)
          case "Multiple":
            return new ConnectError({
              host,
              port,
              errors: outcome.errors,
              message: errors.multipleMessage(outcome.errors),
              trace: recorder.events()
            })
          case "NoAttempt":
            return new ConnectError({
              host,
              port,
              errors: [],
              message: noAttemptMessage(host, port, remotesSeen),
              trace: recorder.events()
            })
        }
      }) as Effect.Effect<never, E | GetAddrInfo.ResolveError | ConnectError | Cause.IllegalArgumentException>

    const decide = Effect.flatMap(
      abort !== undefined ? Effect.raceFirst(race, Deferred.await(abort)) : race,
      (result) => Option.isSome(result.winner) ? Effect.succeed(result.winner.value) : failure(result)
    )

    // The winner's scope moves to the caller's; every other scope closes, whatever happened.
    return yield* Effect.uninterruptibleMask((restore) =>
      restore(decide).pipe(
        Effect.onExit((exit) => {
          const kept = Exit.isSuccess(exit) ? exit.value.scope : undefined
          return Effect.zipRight(
            kept === undefined ?
              Effect.void :
              Scope.addFinalizerExit(caller, (callerExit) => Scope.close(kept, callerExit)),
            Effect.forEach(scopes, (scope) => scope === kept ? Effect.void : Scope.close(scope, exit), {
              discard: true
            })
          )
        }),
        Effect.map(({ connection }) => connection)
      )
    )
  })
