/**
 * The resolvers' drivers: Effect code over `GetAddrInfo`, `Clock` and the pure policy in
 * `weave.ts`.
 *
 * The concurrent resolver (RFC 8305 section 3) asks for AAAA and A in parallel. An IPv6 answer
 * is handed out at once; an IPv4 answer that comes first waits up to the Resolution Delay
 * for IPv6, and a failed IPv6 lookup ends that wait at once. Each answer is an event in a
 * queue; every pull first applies the events that have arrived, so a late answer is woven
 * into the addresses not yet handed out.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { AddrInfo, Family, FamilyOption } from "../AddrInfo.js"
import * as GetAddrInfo from "../GetAddrInfo.js"
import type * as Resolver from "../Resolver.js"
import * as errors from "./errors.js"
import * as validate from "./validate.js"
import * as weave from "./weave.js"

/**
 * Checks the options; a bad one is a defect carrying `IllegalArgumentException`, because the
 * stream's error channel is for resolution failures (`connectWith` turns it back into a typed
 * failure before any socket opens).
 */
const checked = <A>(check: Either.Either<A, Cause.IllegalArgumentException>) =>
  Either.match(check, { onLeft: Effect.die, onRight: Effect.succeed })

/**
 * One lookup, reduced to the family asked for; no address at all is a failure (the seed's
 * "returned empty list"). Filtering here means a platform that labels a literal with the
 * wrong family cannot make it be yielded as the other.
 */
export const lookup = (host: string, port: number, family: FamilyOption) =>
  Effect.flatMap(GetAddrInfo.GetAddrInfo, (gai) => gai.lookup(host, port, { family })).pipe(
    Effect.flatMap((addresses) => {
      const matching = family === 0 ? addresses : addresses.filter((a) => a.family === family)
      return matching.length > 0 ?
        Effect.succeed(matching) :
        Effect.fail(
          new GetAddrInfo.ResolveError({
            host,
            family,
            message: `getaddrinfo(${JSON.stringify(host)}, ${port}, family=${family}) returned no address`
          })
        )
    })
  )

const resolvedOptions = (options: Resolver.ResolverOptions | undefined) =>
  Effect.all({
    family: checked(validate.family(options?.family)),
    count: checked(validate.firstAddressFamilyCount(options?.firstAddressFamilyCount)),
    delay: checked(
      validate.delay("resolutionDelay", options?.resolutionDelay, RESOLUTION_DELAY)
    )
  })

/** @internal */
export const basicResolver = (
  host: string,
  port: number,
  options?: Resolver.ResolverOptions
): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> =>
  Stream.fromIterableEffect(
    Effect.flatMap(
      resolvedOptions(options),
      ({ count, family }) => Effect.map(lookup(host, port, family), (addresses) => weave.interleave(addresses, count))
    )
  )

/** RFC 8305 section 3; documented on `Resolver.RESOLUTION_DELAY`. */
export const RESOLUTION_DELAY = "50 millis"

/** Both families failed: one error for both, or their Causes in parallel. */
const bothFailed = (
  host: string,
  failures: ReadonlyArray<Cause.Cause<GetAddrInfo.ResolveError>>,
  raiseExcGroup: boolean
): Cause.Cause<GetAddrInfo.ResolveError> => {
  if (raiseExcGroup) return Cause.parallel(failures[0], failures[1])
  const errs = failures.flatMap((cause) => Option.toArray(Cause.failureOption(cause)))
  // A defect in a lookup is not a resolution failure: it is kept as it is.
  if (errs.length < failures.length) return Cause.parallel(failures[0], failures[1])
  return Cause.fail(
    new GetAddrInfo.ResolveError({ host, family: 0, message: errors.combinedMessage(errs), errors: errs })
  )
}

/** @internal */
export const concurrentResolver = (
  host: string,
  port: number,
  options?: Resolver.ResolverOptions
): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const { count, delay, family } = yield* resolvedOptions(options)
    if (family !== 0) return basicResolver(host, port, options)

    const events = yield* Queue.unbounded<weave.Event>()
    const v6Ended = yield* Deferred.make<void>()
    const failures = yield* Ref.make<ReadonlyArray<Cause.Cause<GetAddrInfo.ResolveError>>>([])
    const report = (family: Family) => (exit: Exit.Exit<ReadonlyArray<AddrInfo>, GetAddrInfo.ResolveError>) =>
      Exit.isSuccess(exit) ?
        Queue.offer(events, { _tag: "Answer", family, addresses: exit.value }) :
        Effect.zipRight(
          Ref.update(failures, (fs) => [...fs, exit.cause]),
          Queue.offer(events, { _tag: "Failure", family })
        )
    yield* lookup(host, port, 6).pipe(
      Effect.exit,
      Effect.flatMap(report(6)),
      Effect.ensuring(Deferred.succeed(v6Ended, undefined)),
      Effect.forkScoped
    )
    // RFC 8305 section 3: "If a positive A response is received first ... wait a short time
    // for the AAAA response". The wait ends early when IPv6 ends, answered or failed.
    const waitForV6 = delay === null ?
      Deferred.await(v6Ended) :
      Effect.timeoutOption(Deferred.await(v6Ended), delay)
    yield* lookup(host, port, 4).pipe(
      Effect.exit,
      Effect.tap(report(4)),
      Effect.flatMap((exit) =>
        Exit.isSuccess(exit) ?
          Effect.zipRight(waitForV6, Queue.offer(events, { _tag: "ResolutionDelayElapsed" })) :
          Effect.void
      ),
      Effect.forkScoped
    )

    // Owned by this stream's single consumer: the order of what is left.
    const state = yield* Ref.make(weave.initial)
    const apply = (event: weave.Event) => Ref.update(state, (s) => weave.reduce(s, event, count))
    const pull: Effect.Effect<AddrInfo, Option.Option<never>> = Effect.gen(function*() {
      for (const event of yield* Queue.takeAll(events)) yield* apply(event)
      const order = yield* Ref.get(state)
      const next = weave.take(order)
      if (next !== undefined) {
        yield* Ref.set(state, next[1])
        return next[0]
      }
      if (weave.isExhausted(order)) return yield* Effect.fail(Option.none())
      yield* Effect.flatMap(Queue.take(events), apply)
      return yield* pull
    })
    // Nothing handed out means both families failed. The failure is emitted as a Stream of
    // its own so that a parallel Cause (raiseExcGroup) reaches the consumer whole.
    const failure = Stream.unwrap(Effect.gen(function*() {
      if ((yield* Ref.get(state)).sent > 0) return Stream.empty as Stream.Stream<never, GetAddrInfo.ResolveError>
      // Stream.failCause would keep only the first failure of a parallel Cause.
      return Stream.fromChannel<never, GetAddrInfo.ResolveError, never>(
        Channel.failCause(bothFailed(host, yield* Ref.get(failures), options?.raiseExcGroup ?? false))
      )
    }))
    return Stream.concat(Stream.repeatEffectOption(pull), failure)
  }))
