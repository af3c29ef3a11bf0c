/**
 * The resolvers' drivers: Effect code over `GetAddrInfo`, `Clock` and the pure policy in
 * `weave.ts`.
 *
 * The concurrent resolver (RFC 8305 section 3) asks for AAAA and A in parallel. An IPv6 answer
 * is handed out at once; an IPv4 answer that comes first waits up to the Resolution Delay
 * for IPv6, and a failed IPv6 lookup ends that wait at once. Each answer is an event in a
 * queue; every pull first applies the events that have arrived, so a late answer is woven into
 * the addresses not yet handed out. A family with no records is an empty answer: only both
 * families giving no address is a failure.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AddrInfo, Family, FamilyOption } from "../AddrInfo.js"
import * as GetAddrInfo from "../GetAddrInfo.js"
import type * as Resolver from "../Resolver.js"
import * as ip from "./ip.js"
import * as validate from "./validate.js"
import * as weave from "./weave.js"

/**
 * Checks the options; a bad one is a defect carrying `IllegalArgumentException`, because the
 * stream's error channel is for resolution failures (`connectWith` turns it back into a typed
 * failure before any socket opens).
 */
const resolvedOptions = (options: Resolver.ResolverOptions | undefined) => {
  const family = validate.family(options?.family)
  if (Either.isLeft(family)) return Effect.die(family.left)
  const count = validate.firstAddressFamilyCount(options?.firstAddressFamilyCount)
  if (Either.isLeft(count)) return Effect.die(count.left)
  const delay = validate.delay("resolutionDelay", options?.resolutionDelay, RESOLUTION_DELAY)
  if (Either.isLeft(delay)) return Effect.die(delay.left)
  const hints = validate.hints(options?.hints)
  if (Either.isLeft(hints)) return Effect.die(hints.left)
  return Effect.succeed({ family: family.right, count: count.right, delay: delay.right, hints: hints.right })
}

/**
 * One lookup, reduced to the family asked for (possibly to nothing). Filtering here means a
 * platform that labels a literal with the wrong family cannot make it be yielded as the other;
 * an answer that is not an IP literal of the family it claims is the lookup's failure, so that
 * an attempt dials only what it says it dials.
 */
const lookup = (
  service: GetAddrInfo.GetAddrInfo["Type"],
  host: string,
  port: number,
  family: FamilyOption,
  hints: number | undefined
) =>
  Effect.flatMap(service.lookup(host, port, hints === undefined ? { family } : { family, hints }), (addresses) => {
    const wrong = addresses.find((a) => (a.family !== 4 && a.family !== 6) || ip.ipFamily(a.address) !== a.family)
    if (wrong !== undefined) {
      return Effect.fail(
        new GetAddrInfo.ResolveError({
          host,
          family,
          message: `the lookup of ${validate.shown(host)} (${familyName(family)}) answered ${
            validate.shown(wrong.address)
          } as family ${validate.shown(wrong.family)}, which is not an IP address of that family`
        })
      )
    }
    return Effect.succeed(family === 0 ? addresses : addresses.filter((a) => a.family === family))
  })

const familyName = (family: FamilyOption) => family === 0 ? "both families" : `IPv${family}`

/** No address at all: a failure (async_stagger's "returned empty list"). */
const noAddress = (host: string, family: FamilyOption) =>
  new GetAddrInfo.ResolveError({
    host,
    family,
    message: `the lookup of ${validate.shown(host)} (${familyName(family)}) returned no address`
  })

/** RFC 8305 section 3; documented on `Resolver.RESOLUTION_DELAY`. */
export const RESOLUTION_DELAY = "50 millis"

/**
 * Pulls the next addresses: one while a late answer may still be woven in ahead of the rest,
 * all that are left once the order is final; `None` once the resolution is over.
 */
type Pull = Effect.Effect<Option.Option<Chunk.NonEmptyChunk<AddrInfo>>, GetAddrInfo.ResolveError>

/** Opens a resolution over `service`: starts what must start, in `scope`, and gives the pull. */
type Open = (service: GetAddrInfo.GetAddrInfo["Type"], scope: Scope.Scope) => Effect.Effect<Pull>

/**
 * The Stream of a pull, built as a channel so that a parallel Cause (`raiseExcGroup`) reaches
 * the consumer whole (`Stream.failCause` and `Stream.map` keep only its first failure). The
 * resolution opens at the first pull, in a scope that `Stream.ensuring` closes when the stream
 * ends or is closed: what `Stream.unwrapScoped` does, for half of what closing that costs in
 * Effect 3 (about 110 fewer steps per connect).
 */
const toStream = (open: Open): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> =>
  Stream.suspend(() => {
    let scope: Scope.CloseableScope | undefined
    let opened: Pull | undefined
    const pull: Effect.Effect<
      Option.Option<Chunk.NonEmptyChunk<AddrInfo>>,
      GetAddrInfo.ResolveError,
      GetAddrInfo.GetAddrInfo
    > = Effect
      .suspend(() =>
        opened ?? Effect.flatMap(
          Effect.zip(GetAddrInfo.GetAddrInfo, Effect.uninterruptible(Effect.tap(Scope.make(), (made) => scope = made))),
          ([service, made]) => Effect.flatMap(open(service, made), (next) => opened = next)
        )
      )
    const loop: Channel.Channel<
      Chunk.Chunk<AddrInfo>,
      unknown,
      GetAddrInfo.ResolveError,
      unknown,
      void,
      unknown,
      GetAddrInfo.GetAddrInfo
    > = Channel.unwrap(Effect.matchCause(pull, {
      onFailure: Channel.failCause,
      onSuccess: Option.match({
        onNone: () => Channel.void,
        onSome: (addresses) => Channel.zipRight(Channel.write(addresses), loop)
      })
    }))
    return Stream.ensuring(
      Stream.fromChannel(loop),
      Effect.suspend(() => scope === undefined ? Effect.void : Scope.close(scope, Exit.void))
    )
  })

const openBasic = (host: string, port: number, options: Resolver.ResolverOptions | undefined): Open => (service) =>
  Effect.map(resolvedOptions(options), ({ count, family, hints }): Pull => {
    // The one lookup runs at the first pull, and its answer is the whole order.
    let done = false
    return Effect.suspend(() =>
      done ? Effect.succeedNone : Effect.flatMap(lookup(service, host, port, family, hints), (found) => {
        const ordered = weave.interleave(found, count)
        if (!Arr.isNonEmptyArray(ordered)) return Effect.fail(noAddress(host, family))
        done = true
        return Effect.succeedSome(Chunk.unsafeFromNonEmptyArray(ordered))
      })
    )
  })

/** @internal */
export const basicResolver = (
  host: string,
  port: number,
  options?: Resolver.ResolverOptions
): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> =>
  toStream(openBasic(host, port, options))

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
  return Cause.fail(GetAddrInfo.combineResolveErrors(host, errs))
}

const openConcurrent = (host: string, port: number, options: Resolver.ResolverOptions | undefined): Open =>
(
  service,
  scope
) =>
  Effect.gen(function*() {
    const { count, delay, family, hints } = yield* resolvedOptions(options)
    if (family !== 0) return yield* openBasic(host, port, options)(service, scope)

    // The lookups' answers, in arrival order; the pull applies them to the order of what is
    // left to hand out, so a late answer is woven into the addresses not yet handed out.
    const inbox = yield* Queue.unbounded<weave.Event>()
    // Why each family gave no address, for the error when neither gave one: its failure, or
    // the family itself when it answered with no records (an empty answer, not a failure, whose
    // error is made only if it is needed).
    const failures: Array<Cause.Cause<GetAddrInfo.ResolveError> | Family> = []
    const report = (family: Family, exit: Exit.Exit<ReadonlyArray<AddrInfo>, GetAddrInfo.ResolveError>) => {
      if (Exit.isFailure(exit)) failures.push(exit.cause)
      else if (exit.value.length === 0) failures.push(family)
      return Queue.offer(
        inbox,
        Exit.isSuccess(exit) ? { _tag: "Answer", family, addresses: exit.value } : { _tag: "Failure", family }
      )
    }
    const v6Ended = yield* Deferred.make<void>()
    yield* lookup(service, host, port, 6, hints).pipe(
      Effect.exit,
      Effect.flatMap((exit) => Effect.zipRight(report(6, exit), Deferred.succeed(v6Ended, undefined))),
      Effect.forkIn(scope)
    )
    // RFC 8305 section 3: "If a positive A response is received first ... wait a short time
    // for the AAAA response". The wait ends early when IPv6 ends, answered or failed.
    const waitForV6 = delay === null ? Deferred.await(v6Ended) : Effect.timeoutOption(Deferred.await(v6Ended), delay)
    yield* lookup(service, host, port, 4, hints).pipe(
      Effect.exit,
      Effect.flatMap((exit) =>
        Effect.zipRight(
          report(4, exit),
          Exit.isSuccess(exit)
            ? Effect.zipRight(waitForV6, Queue.offer(inbox, { _tag: "ResolutionDelayElapsed" }))
            : Effect.void
        )
      ),
      Effect.forkIn(scope)
    )

    // The order of what is left, owned by this stream's single consumer.
    let state = weave.initial
    const apply = (events: Iterable<weave.Event>) => {
      for (const event of events) state = weave.reduce(state, event, count)
    }
    const pull: Pull = Effect.flatMap(Queue.takeAll(inbox), (events) => {
      apply(events)
      const next = weave.take(state)
      if (next !== undefined) {
        state = next[1]
        return Effect.succeedSome(Chunk.unsafeFromNonEmptyArray(next[0]))
      }
      if (!weave.isExhausted(state)) {
        return Effect.flatMap(Queue.take(inbox), (event) => {
          apply([event])
          return pull
        })
      }
      // Nothing handed out means neither family gave an address.
      return state.sent > 0 ?
        Effect.succeedNone :
        Effect.failCause(
          bothFailed(
            host,
            failures.map((f) => typeof f === "number" ? Cause.fail(noAddress(host, f)) : f),
            options?.raiseExcGroup ?? false
          )
        )
    })
    return pull
  })

/** @internal */
export const concurrentResolver = (
  host: string,
  port: number,
  options?: Resolver.ResolverOptions
): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> =>
  toStream(openConcurrent(host, port, options))
