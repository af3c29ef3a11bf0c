/**
 * The resolvers' drivers: Effect code over `GetAddrInfo`, `Clock` and the pure policy in
 * `weave.ts`.
 *
 * The concurrent resolver (RFC 8305 section 3) asks for AAAA and A in parallel. An IPv6 answer
 * is handed out at once; an IPv4 answer that comes first waits up to the Resolution Delay
 * for IPv6, and a failed IPv6 lookup ends that wait at once. Each answer is an event in an
 * inbox; every pull (and every poll) first applies the events that have arrived, so a late
 * answer is woven into the addresses not yet handed out.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AddrInfo, Family, FamilyOption } from "../AddrInfo.js"
import * as GetAddrInfo from "../GetAddrInfo.js"
import type * as Resolver from "../Resolver.js"
import type * as stagger from "./stagger.js"
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
 * One lookup, reduced to the family asked for; no address at all is a failure (the seed's
 * "returned empty list"). Filtering here means a platform that labels a literal with the
 * wrong family cannot make it be yielded as the other.
 */
const lookup = (
  service: GetAddrInfo.GetAddrInfo["Type"],
  host: string,
  port: number,
  family: FamilyOption,
  hints: number | undefined
) =>
  service.lookup(host, port, hints === undefined ? { family } : { family, hints }).pipe(
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

/** RFC 8305 section 3; documented on `Resolver.RESOLUTION_DELAY`. */
export const RESOLUTION_DELAY = "50 millis"

/**
 * Pulls the next address: `None` once the resolution is over. A resolver's Stream is built
 * from it; `connectWith` pulls it directly, which costs far less than a Stream's machinery.
 */
export type Pull = stagger.Pull<AddrInfo, GetAddrInfo.ResolveError, never>

/**
 * An open resolution: the pull, and `poll`, the next address (or the end, or the failure) when
 * it is known without waiting for a lookup, so that the race takes it without a step.
 */
export type Opened = stagger.Source<AddrInfo, GetAddrInfo.ResolveError, never>

/**
 * Opens a resolution over `service`: starts what must start and gives the pull. What it starts
 * lives in `scope`. Both are parameters rather than services so that `connectWith`, which
 * pulls it directly, provides nothing (providing a service costs a connect dozens of steps).
 */
export type Open = (
  service: GetAddrInfo.GetAddrInfo["Type"],
  scope: Scope.Scope
) => Effect.Effect<Opened>

/** Where `connectWith` finds the pull of a Stream made by a built-in resolver. */
export const OpenTypeId: unique symbol = Symbol.for("@effect-stagger/core/Resolver/Open")

/** A Stream made by a built-in resolver carries how to open it as a pull. */
export const openOf = (stream: Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo>) =>
  (stream as { readonly [OpenTypeId]?: Open })[OpenTypeId]

/**
 * The Stream of a pull, built as a channel so that a parallel Cause (`raiseExcGroup`) reaches
 * the consumer whole (`Stream.failCause` and `Stream.map` keep only its first failure). Built
 * when it is first run: `connectWith` pulls a built-in resolver without it.
 */
const toStream = (open: Open): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> => {
  const opened = Effect.flatMap(
    GetAddrInfo.GetAddrInfo,
    (service) => Effect.flatMap(Effect.scope, (scope) => open(service, scope))
  )
  const stream = Stream.suspend(() =>
    Stream.unwrapScoped(Effect.map(opened, ({ pull }) => {
      const loop: Channel.Channel<Chunk.Chunk<AddrInfo>, unknown, GetAddrInfo.ResolveError, unknown, void, unknown> =
        Channel.suspend(() =>
          Channel.unwrap(Effect.matchCause(pull, {
            onFailure: (cause) => Channel.failCause(cause),
            onSuccess: Option.match({
              onNone: () => Channel.void,
              onSome: (address) => Channel.zipRight(Channel.write(Chunk.of(address)), loop)
            })
          }))
        )
      return Stream.fromChannel(loop)
    }))
  )
  return Object.assign(stream, { [OpenTypeId]: open })
}

const openBasic = (host: string, port: number, options: Resolver.ResolverOptions | undefined): Open => (service) =>
  Effect.map(resolvedOptions(options), ({ count, family, hints }) => {
    // The one lookup runs when the first address is pulled.
    let addresses: ReadonlyArray<AddrInfo> | undefined
    let next = 0
    const poll = () =>
      addresses === undefined ?
        undefined :
        Exit.succeed(next < addresses.length ? Option.some(addresses[next++]) : Option.none())
    const pull: Pull = Effect.suspend(() =>
      poll() ?? Effect.flatMap(lookup(service, host, port, family, hints), (found) => {
        addresses = weave.interleave(found, count)
        return pull
      })
    )
    return { pull, poll }
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

    // The lookups' answers, in arrival order, not yet applied; `arrived` wakes a pull that
    // waits for one. Plain variables: each is changed in one synchronous step.
    let inbox: Array<weave.Event> = []
    const arrived = Effect.unsafeMakeLatch(false)
    const post = (event: weave.Event) => {
      inbox.push(event)
      arrived.unsafeOpen()
    }
    const failures: Array<Cause.Cause<GetAddrInfo.ResolveError>> = []
    const report = (family: Family, exit: Exit.Exit<ReadonlyArray<AddrInfo>, GetAddrInfo.ResolveError>) => {
      if (Exit.isSuccess(exit)) return post({ _tag: "Answer", family, addresses: exit.value })
      failures.push(exit.cause)
      post({ _tag: "Failure", family })
    }
    // Set when the IPv6 lookup has ended, answered or failed.
    let v6Ended = false
    const v6End = Effect.unsafeMakeLatch(false)
    yield* lookup(service, host, port, 6, hints).pipe(
      Effect.exit,
      Effect.map((exit) => {
        report(6, exit)
        v6Ended = true
        v6End.unsafeOpen()
      }),
      Effect.forkIn(scope)
    )
    // RFC 8305 section 3: "If a positive A response is received first ... wait a short time
    // for the AAAA response". The wait ends early when IPv6 ends, answered or failed.
    const waitForV6 = Effect.suspend(() =>
      v6Ended ?
        Effect.void :
        delay === null ?
        v6End.await :
        Effect.timeoutOption(v6End.await, delay)
    )
    yield* lookup(service, host, port, 4, hints).pipe(
      Effect.exit,
      Effect.flatMap((exit) => {
        report(4, exit)
        return Exit.isSuccess(exit) ?
          Effect.zipRight(waitForV6, Effect.sync(() => post({ _tag: "ResolutionDelayElapsed" }))) :
          Effect.void
      }),
      Effect.forkIn(scope)
    )

    // Owned by this stream's single consumer, and changed only by its pulls: the order of
    // what is left. Events only add to it, so an address it holds now is one a pull gives
    // without waiting.
    let state = weave.initial
    const poll = (): Exit.Exit<Option.Option<AddrInfo>, GetAddrInfo.ResolveError> | undefined => {
      for (const event of inbox) state = weave.reduce(state, event, count)
      inbox = []
      const next = weave.take(state)
      if (next !== undefined) {
        state = next[1]
        return Exit.succeed(Option.some(next[0]))
      }
      if (!weave.isExhausted(state)) return undefined
      // Nothing handed out means both families failed.
      return state.sent > 0 ?
        Exit.succeed(Option.none()) :
        Exit.failCause(bothFailed(host, failures, options?.raiseExcGroup ?? false))
    }
    const pull: Pull = Effect.suspend(() => {
      const polled = poll()
      if (polled !== undefined) return polled
      // Nothing has arrived since `poll` emptied the inbox.
      arrived.unsafeClose()
      return Effect.zipRight(arrived.await, pull)
    })
    return { pull, poll }
  })

/** @internal */
export const concurrentResolver = (
  host: string,
  port: number,
  options?: Resolver.ResolverOptions
): Stream.Stream<AddrInfo, GetAddrInfo.ResolveError, GetAddrInfo.GetAddrInfo> =>
  toStream(openConcurrent(host, port, options))
