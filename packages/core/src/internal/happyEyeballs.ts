/**
 * The connect algorithm over an abstract dialer (async_stagger's `create_connected_sock`).
 *
 * Problem: a host has several addresses and some paths are broken or slow, often a whole
 * family (IPv6 that is configured but black-holed). Trying them in turn waits out every
 * broken one; Node's built-in closes each attempt after 250 ms instead of letting it finish.
 *
 * Approach (RFC 8305 sections 3 to 5): stream the addresses from the resolver as they are
 * answered, pair each with the local addresses of its family, and run a staggered race over
 * the pairs. An IP literal is its own only address: no resolver, and with one attempt no
 * timer. Each attempt's resources live in a scope of their own: a loser's is closed the moment
 * it loses, the winner's moves to the caller's scope. All scopes are in one cleanup set, so
 * that no connection outlives the connect unless it won and was returned.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AddrInfo, LocalAddress } from "../AddrInfo.js"
import { ConnectError } from "../ConnectError.js"
import * as GetAddrInfo from "../GetAddrInfo.js"
import type * as HappyEyeballs from "../HappyEyeballs.js"
import * as History from "../History.js"
import type * as Stagger from "../Stagger.js"
import * as attempt from "./attempt.js"
import * as errors from "./errors.js"
import * as historyOrder from "./history.js"
import * as ip from "./ip.js"
import * as pairs from "./pairs.js"
import * as resolver from "./resolver.js"
import * as stagger from "./stagger.js"
import * as trace from "./trace.js"
import * as validate from "./validate.js"

/** RFC 8305 section 5: "A simple implementation can have a fixed delay ... 250 ms". */
export const CONNECTION_ATTEMPT_DELAY = "250 millis"

type Locals = ReadonlyArray<LocalAddress> | Stream.Stream<LocalAddress>

/** Checked arguments of a connect. */
interface Arguments {
  readonly host: string
  readonly port: number
  readonly family: 0 | 4 | 6
  readonly delay: Option.Option<Duration.Duration>
  readonly locals: Locals | undefined
  /** Set when the host is an IP literal of a family asked for: it is not resolved. */
  readonly literal: AddrInfo | undefined
}

const illegal = (message: string) => Either.left(new Cause.IllegalArgumentException(message))

/**
 * Every argument, checked before any I/O. Local addresses given as an Iterable are checked
 * here; a Stream's, as they arrive.
 */
const checkArguments = <C, E, R>(
  options: HappyEyeballs.ConnectOptions<C, E, R>
): Either.Either<Arguments, Cause.IllegalArgumentException | GetAddrInfo.ResolveError> =>
  Either.gen(function*() {
    const host = yield* validate.host(options.host)
    const port = yield* validate.port(options.port)
    const family = yield* validate.family(options.family)
    const delay = yield* Either.flatMap(
      validate.delay("delay", options.delay, CONNECTION_ATTEMPT_DELAY),
      validate.raceDelay
    )
    if (typeof options.dial !== "function") return yield* illegal("dial must be a function")
    if (options.resolver !== undefined && typeof options.resolver !== "function") {
      return yield* illegal("resolver must be a function")
    }
    let locals: Locals | undefined
    if (stagger.isStream(options.localAddrs)) {
      locals = options.localAddrs as Stream.Stream<LocalAddress>
    } else if (options.localAddrs !== undefined) {
      locals = yield* Either.all(Array.from(options.localAddrs, validate.localAddress))
    }
    // An IP literal skips resolution, as getaddrinfo would answer it with itself; asking for
    // the other family is the resolution failure getaddrinfo would report.
    const literal = ip.ipFamily(host)
    if (literal !== 0 && family !== 0 && family !== literal) {
      return yield* Either.left(
        new GetAddrInfo.ResolveError({
          host,
          family,
          message: `${host} is an IPv${literal} address, but family ${family} was asked for`
        })
      )
    }
    return {
      host,
      port,
      family,
      delay,
      locals,
      literal: literal === 0 ? undefined : { family: literal, address: host, port }
    }
  })

/** The reason no attempt was made, when the resolver gave no error. */
const noAttemptMessage = (host: string, port: number, remotes: number) =>
  remotes === 0 ?
    `the resolver returned no address for ${host}:${port}` :
    `no local address has the family of any of the ${remotes} addresses of ${host}:${port}`

const connect = <C, E, R>(options: HappyEyeballs.ConnectOptions<C, E, R>, args: Arguments) =>
  Effect.gen(function*() {
    const { host, literal, port } = args
    const recorder = yield* trace.makeRecorder(options.onEvent)
    const context: attempt.Context<C, E, R> = {
      dial: options.dial,
      recorder,
      scopes: yield* Ref.make<ReadonlyArray<Scope.CloseableScope>>([]),
      won: yield* Ref.make(false)
    }
    const badLocal = yield* Deferred.make<never, Cause.IllegalArgumentException>()
    // The resolution (its lookups, the local addresses' stream) lives in a scope of its own,
    // closed first when the connect ends.
    const resolution = yield* Scope.make()
    const remotes = literal !== undefined ?
      yield* stagger.fromIterable([literal]) :
      trace.traceLookups(
        recorder,
        yield* Scope.extend(
          stagger.fromStream((options.resolver ?? resolver.concurrentResolver)(host, port, { family: args.family })),
          resolution
        )
      )
    // Fix: a bad local address from a Stream ends the whole connect, closing every attempt.
    const locals = stagger.isStream(args.locals) ?
      yield* Scope.extend(
        stagger.fromStream(Stream.mapEffect(args.locals, (local) =>
          Either.match(validate.localAddress(local), {
            onLeft: (error) => Effect.zipRight(Deferred.fail(badLocal, error), Effect.fail(error)),
            onRight: Effect.succeed
          }))),
        resolution
      ) :
      args.locals
    // With history, the remembered winner first and recent failures last (Happy Eyeballs v3).
    const history = literal === undefined ? yield* Effect.serviceOption(History.History) : Option.none()
    const entry = Option.isSome(history) ? yield* history.value.lookup(host, port) : Option.none()
    const preferred = Option.map(entry, (entry) => historyOrder.prefer(remotes, entry, args.family, port))
    if (Option.isSome(entry) && Option.isSome(preferred)) {
      const { remembered } = preferred.value.applied()
      yield* recorder.emit((at) => trace.HistoryApplied({ at, host, remembered, failed: entry.value.failed }))
    }
    const remotePairs = pairs.pairsOf(Option.getOrElse(preferred, () => remotes), locals)
    // Each started attempt's address, in start order.
    const started: Array<AddrInfo> = []
    const attempts: stagger.Source<Effect.Effect<attempt.Connected<C>, E, R>, unknown, GetAddrInfo.GetAddrInfo> = {
      pull: Effect.map(
        remotePairs.pull,
        Option.map(([remote, local]) => attempt.make(context, remote, local, started.push(remote) - 1))
      )
    }
    // The win is told in the winner's fiber, before any loser is cancelled.
    const onWin = ({ index, local, remote }: attempt.Connected<C>) =>
      Effect.zipRight(Ref.set(context.won, true), recorder.emit((at) => trace.Connected({ at, index, remote, local })))
    // An IP literal with at most one local address of its family is one attempt: nothing to
    // race, so no race (RFC 8305 staggers attempts; a single one has none to stagger).
    const single = literal === undefined || stagger.isStream(args.locals) ?
      undefined :
      args.locals === undefined ?
      [undefined] :
      args.locals.filter((local) => pairs.sameFamily(literal, local))
    const race: Effect.Effect<
      Stagger.RaceResult<attempt.Connected<C>, E, unknown>,
      never,
      R | GetAddrInfo.GetAddrInfo
    > = literal !== undefined && single?.length === 1 ?
      Effect.map(
        Effect.exit(Effect.tap(attempt.make(context, literal, single[0], started.push(literal) - 1), onWin)),
        (exit) => ({
          winner: Exit.isSuccess(exit) ? Option.some(exit.value) : Option.none(),
          winnerIndex: Exit.isSuccess(exit) ? Option.some(0) : Option.none(),
          errors: [Exit.isSuccess(exit) ? Option.none() : Option.some(exit.cause)],
          sourceError: Option.none()
        })
      ) :
      stagger.race(attempts, args.delay, onWin)

    const failure = (
      result: { errors: ReadonlyArray<Option.Option<Cause.Cause<E>>>; sourceError: Option.Option<Cause.Cause<unknown>> }
    ) =>
      Effect.gen(function*() {
        const source = result.sourceError as Option.Option<Cause.Cause<{ readonly _tag: string }>>
        const outcome = errors.aggregate(result.errors, source, options.raiseExcGroup ?? false)
        if (outcome._tag === "Cause") return yield* Effect.failCause(outcome.cause)
        const message = outcome._tag === "Multiple" ?
          errors.multipleMessage(outcome.errors) :
          noAttemptMessage(host, port, remotePairs.remotesSeen())
        const errs = outcome._tag === "Multiple" ? outcome.errors : []
        return yield* new ConnectError({ host, port, errors: errs, message, trace: yield* recorder.events })
      }) as Effect.Effect<
        never,
        E | GetAddrInfo.ResolveError | ConnectError<E | GetAddrInfo.ResolveError> | Cause.IllegalArgumentException
      >

    // What this connect learned: its winner, and the addresses that failed with an error.
    const learn = (result: Stagger.RaceResult<attempt.Connected<C>, E, unknown>) =>
      Option.match(history, {
        onNone: () => Effect.void,
        onSome: (history) =>
          history.record(host, port, {
            winner: Option.map(result.winner, ({ remote, rtt }) => ({ address: remote, rtt })),
            failed: started.filter((_, i) =>
              Option.match(result.errors[i], { onNone: () => false, onSome: (c) => !Cause.isInterruptedOnly(c) })
            )
          })
      })
    const applied = Option.match(preferred, {
      onNone: () => Effect.void,
      onSome: ({ applied }) => {
        const { demoted, remembered } = applied()
        return Effect.annotateCurrentSpan({
          ...(remembered === undefined ? {} : { "stagger.history.remembered": remembered.address }),
          "stagger.history.demoted": demoted
        })
      }
    })
    const decide = Effect.flatMap(
      // Only a bad local address from a Stream ends the connect before the race does.
      stagger.isStream(args.locals) ? Effect.raceFirst(race, Deferred.await(badLocal)) : race,
      (result) =>
        Effect.zipRight(
          Effect.zipRight(applied, learn(result)),
          Effect.zipRight(
            Effect.annotateCurrentSpan({
              "stagger.attempts": result.errors.length,
              "stagger.attempts.failed": result.errors.filter((e) =>
                Option.isSome(e) && !Cause.isInterruptedOnly(e.value)
              )
                .length
            }),
            Option.match(result.winner, { onNone: () => failure(result), onSome: Effect.succeed })
          )
        )
    )

    // The winner's scope moves to the caller's; every other scope closes, whatever happened.
    const caller = yield* Effect.scope
    return yield* Effect.uninterruptibleMask((restore) =>
      restore(decide).pipe(
        Effect.onExit((exit) =>
          Effect.gen(function*() {
            const kept = Exit.isSuccess(exit) ? exit.value.scope : undefined
            if (kept !== undefined) yield* Scope.addFinalizerExit(caller, (callerExit) => Scope.close(kept, callerExit))
            yield* Scope.close(resolution, exit)
            const scopes = yield* Ref.get(context.scopes)
            yield* Effect.forEach(scopes, (scope) => scope === kept ? Effect.void : Scope.close(scope, exit), {
              discard: true
            })
          })
        )
      )
    )
  })

/** The outcome on the connect's span: where it connected, or why it failed. */
const annotateOutcome = <C, E>(exit: Exit.Exit<attempt.Connected<C>, E>) =>
  Exit.isSuccess(exit) ?
    Effect.annotateCurrentSpan({
      "network.peer.address": exit.value.remote.address,
      "network.peer.port": exit.value.remote.port,
      "network.type": attempt.networkType(exit.value.remote)
    }) :
    trace.annotateError(exit.cause)

export const connectWith = <C, E, R>(
  options: HappyEyeballs.ConnectOptions<C, E, R>
): Effect.Effect<
  C,
  E | GetAddrInfo.ResolveError | ConnectError<E | GetAddrInfo.ResolveError> | Cause.IllegalArgumentException,
  R | GetAddrInfo.GetAddrInfo | Scope.Scope
> =>
  Effect.suspend(() => {
    const checked = checkArguments(options)
    if (Either.isLeft(checked)) return Effect.fail(checked.left)
    const args = checked.right
    return connect(options, args).pipe(
      Effect.onExit(annotateOutcome),
      Effect.map(({ connection }) => connection),
      (connected) =>
        trace.inSpan(connected, "stagger.connect", { "server.address": args.host, "server.port": args.port })
    )
  })
