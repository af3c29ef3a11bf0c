/**
 * The connect algorithm over an abstract dialer (the seed's `create_connected_sock`).
 *
 * Problem: a host has several addresses and some paths are broken or slow, often a whole
 * family (IPv6 that is configured but black-holed). Trying them in turn waits out every
 * broken one; Node's built-in closes each attempt after 250 ms instead of letting it finish.
 *
 * Approach (RFC 8305 sections 3 to 5): stream the addresses from the resolver as they are
 * answered, pair each with the local addresses of its family, and run a staggered race over
 * the pairs. Each attempt's resources live in a scope of their own: a loser's is closed the
 * moment it loses, the winner's moves to the caller's scope. All scopes are in one cleanup
 * set so that no connection outlives the connect unless it won and was returned.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AddrInfo, FamilyOption, LocalAddress } from "../AddrInfo.js"
import * as Aitertools from "../Aitertools.js"
import { ConnectError } from "../ConnectError.js"
import { ResolveError } from "../GetAddrInfo.js"
import type * as GetAddrInfo from "../GetAddrInfo.js"
import type * as HappyEyeballs from "../HappyEyeballs.js"
import * as Trace from "../Trace.js"
import * as errors from "./errors.js"
import * as ip from "./ip.js"
import * as resolver from "./resolver.js"
import * as stagger from "./stagger.js"
import * as trace from "./trace.js"
import * as validate from "./validate.js"

/** RFC 8305 section 5: "A simple implementation can have a fixed delay ... 250 ms". */
export const CONNECTION_ATTEMPT_DELAY = "250 millis"

type Pair = readonly [AddrInfo, LocalAddress | undefined]

const familyOf = (local: LocalAddress) => ip.ipFamily(local.address)

/** Fix: a local address is paired only with remotes of its own family. */
const sameFamily = (remote: AddrInfo, local: LocalAddress) => familyOf(local) === remote.family

const fromEither = <A>(check: Either.Either<A, Cause.IllegalArgumentException>) =>
  Either.match(check, { onLeft: Effect.fail, onRight: Effect.succeed })

const checkArguments = <C, E, R>(options: HappyEyeballs.ConnectOptions<C, E, R>) =>
  Effect.all({
    host: fromEither(validate.host(options.host)),
    port: fromEither(validate.port(options.port)),
    family: fromEither(validate.family(options.family)),
    delay: fromEither(validate.delay("delay", options.delay, CONNECTION_ATTEMPT_DELAY)),
    locals: localsOf(options.localAddrs)
  })

/** Local addresses given as an Iterable are checked up front; a Stream's, as they arrive. */
const localsOf = (
  locals: Iterable<LocalAddress> | Stream.Stream<LocalAddress> | undefined
): Effect.Effect<
  ReadonlyArray<LocalAddress> | Stream.Stream<LocalAddress> | undefined,
  Cause.IllegalArgumentException
> =>
  locals === undefined || stagger.isStream(locals) ?
    Effect.succeed(locals as Stream.Stream<LocalAddress> | undefined) :
    Effect.forEach(locals, (local) => fromEither(validate.localAddress(local)))

/**
 * An IP literal skips resolution, as `getaddrinfo` would answer it with itself; asking for
 * the other family is the resolution failure `getaddrinfo` would report.
 */
const literalRemote = (
  host: string,
  port: number,
  family: FamilyOption
): Effect.Effect<AddrInfo | undefined, ResolveError> => {
  const literal = ip.ipFamily(host)
  if (literal === 0) return Effect.succeed(undefined)
  return family === 0 || family === literal ?
    Effect.succeed({ family: literal, address: host, port }) :
    new ResolveError({
      host,
      family,
      message: `${host} is an IPv${literal} address, but family ${family} was asked for`
    })
}

/** The reason no attempt was made, when the resolver gave no error. */
const noAttemptMessage = (host: string, port: number, remotes: number) =>
  remotes === 0 ?
    `the resolver returned no address for ${host}:${port}` :
    `no local address has the family of any of the ${remotes} addresses of ${host}:${port}`

export const connectWith = <C, E, R>(
  options: HappyEyeballs.ConnectOptions<C, E, R>
): Effect.Effect<
  C,
  E | GetAddrInfo.ResolveError | ConnectError | Cause.IllegalArgumentException,
  R | GetAddrInfo.GetAddrInfo | Scope.Scope
> =>
  Effect.gen(function*() {
    const { delay, family, host, locals, port } = yield* checkArguments(options)
    const caller = yield* Effect.scope

    const recorder = yield* trace.makeRecorder(options.onEvent)

    // The cleanup set: every attempt's scope, in start order.
    const scopes: Array<Scope.CloseableScope> = []
    const attempt = ([[remote, local], index]: readonly [Pair, number]) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          scopes.push(scope)
          yield* recorder.emit((at) => Trace.Event.AttemptStarted({ at, index, remote, local }))
          const exit = yield* Effect.exit(
            restore(Scope.extend(options.dial(remote, local), scope)).pipe(
              Effect.withSpan("stagger.attempt", {
                kind: "client",
                attributes: {
                  "stagger.index": index,
                  "net.peer.ip": remote.address,
                  "net.peer.port": remote.port,
                  "stagger.family": remote.family,
                  ...(local === undefined ? {} : { "net.sock.host.addr": local.address })
                }
              })
            )
          )
          if (Exit.isFailure(exit)) {
            yield* Scope.close(scope, exit)
            const error = Cause.failureOption(exit.cause)
            yield* recorder.emit((at) =>
              Option.isSome(error) ?
                Trace.Event.AttemptFailed({
                  at,
                  index,
                  remote,
                  local,
                  error: error.value,
                  code: trace.codeOf(error.value)
                }) :
                Cause.isInterruptedOnly(exit.cause) ?
                Trace.Event.AttemptCancelled({ at, index, remote, local }) :
                Trace.Event.AttemptFailed({
                  at,
                  index,
                  remote,
                  local,
                  error: Cause.squash(exit.cause),
                  code: undefined
                })
            )
            return yield* Effect.failCause(exit.cause)
          }
          return { connection: exit.value, scope, remote, local, index }
        })
      )

    // Attempts, in order: each remote as it is resolved, with each local of its family.
    const literal = yield* literalRemote(host, port, family)
    const remotesSeen = yield* Ref.make(0)
    // The resolver's failure as it left the resolver: the stream operators between it and the
    // race keep only the first failure of a parallel Cause (raiseExcGroup).
    const resolverCause = yield* Ref.make(Option.none<Cause.Cause<GetAddrInfo.ResolveError>>())
    const abort = yield* Deferred.make<never, Cause.IllegalArgumentException>()
    const remotes = literal !== undefined ?
      Stream.make(literal) :
      Stream.tap(
        trace.traceLookups(
          recorder,
          Stream.tapErrorCause(
            (options.resolver ?? resolver.concurrentResolver)(host, port, { family }),
            (cause) => Ref.set(resolverCause, Option.some(cause))
          )
        ),
        () => Ref.update(remotesSeen, (n) => n + 1)
      )
    const pairs = locals === undefined ?
      Stream.map(remotes, (remote) => [remote, undefined] as const) :
      Array.isArray(locals) ?
      Stream.flatMap(remotes, (remote) =>
        Stream.fromIterable(
          locals.filter((local) => sameFamily(remote, local)).map((l) => [remote, l] as const)
        )) :
      Stream.filter(
        Aitertools.product(
          remotes,
          Stream.mapEffect(
            locals as Stream.Stream<LocalAddress>,
            (local) =>
              Either.match(validate.localAddress(local), {
                // Fix: a bad local address ends the whole connect, closing every attempt.
                onLeft: (error) => Effect.zipRight(Deferred.fail(abort, error), Effect.fail(error)),
                onRight: Effect.succeed
              })
          )
        ),
        ([remote, local]) => sameFamily(remote, local)
      )

    // The hot path: an IP literal with at most one local address of its family needs no race.
    const direct = literal !== undefined && (locals === undefined || Array.isArray(locals)) ?
      (locals === undefined ? [undefined] : locals.filter((l) => sameFamily(literal, l))) :
      undefined

    const decide = Effect.gen(function*() {
      if (literal !== undefined && direct !== undefined && direct.length <= 1) {
        if (direct.length === 0) {
          return yield* new ConnectError({
            host,
            port,
            errors: [],
            message: noAttemptMessage(host, port, 1),
            trace: recorder.events()
          })
        }
        return yield* attempt([[literal, direct[0]], 0])
      }
      const race = stagger.staggeredRace(Stream.map(Stream.zipWithIndex(pairs), attempt), { delay })
      const result = yield* stagger.isStream(locals) ? Effect.raceFirst(race, Deferred.await(abort)) : race
      if (Option.isSome(result.winner)) return result.winner.value
      return yield* failure(result)
    })

    const failure = (result: stagger.Result<E, GetAddrInfo.ResolveError | Cause.IllegalArgumentException>) =>
      Effect.flatMap(Ref.get(resolverCause), (fromResolver) => {
        const source = Option.isSome(fromResolver) ? fromResolver : result.sourceError
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
            return Effect.flatMap(Ref.get(remotesSeen), (remotes) =>
              new ConnectError({
                host,
                port,
                errors: [],
                message: noAttemptMessage(host, port, remotes),
                trace: recorder.events()
              }))
        }
      }) as Effect.Effect<never, E | GetAddrInfo.ResolveError | ConnectError | Cause.IllegalArgumentException>

    // The winner's scope moves to the caller's; every other scope closes, whatever happened.
    return yield* Effect.uninterruptibleMask((restore) =>
      restore(decide).pipe(
        Effect.onExit((exit) =>
          Effect.gen(function*() {
            const kept = Exit.isSuccess(exit) ? exit.value.scope : undefined
            if (kept !== undefined) {
              yield* Scope.addFinalizerExit(caller, (callerExit) => Scope.close(kept, callerExit))
            }
            yield* Effect.forEach(scopes, (scope) => scope === kept ? Effect.void : Scope.close(scope, exit), {
              discard: true
            })
          })
        ),
        Effect.tap(({ index, local, remote }) =>
          recorder.emit((at) => Trace.Event.Connected({ at, index, remote, local }))
        ),
        Effect.map(({ connection }) => connection)
      )
    )
  }).pipe(
    Effect.withSpan("stagger.connect", {
      kind: "client",
      attributes: { "stagger.host": options.host, "stagger.port": options.port }
    })
  )
