/**
 * One connect, told as it happens: `NodeHappyEyeballs.createConnectedSock` with an `onEvent`
 * that prints each `Trace.Event` as a timeline line (or keeps it for the JSON report), an
 * optional overall timeout, and the summary or the failure at the end. Shared by `connect`
 * and `demo`.
 *
 * @internal
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as ConnectError from "@effect-stagger/core/ConnectError"
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as Resolver from "@effect-stagger/core/Resolver"
import * as Timeline from "@effect-stagger/core/Timeline"
import type * as Trace from "@effect-stagger/core/Trace"
import * as NodeHappyEyeballs from "@effect-stagger/node/NodeHappyEyeballs"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import type * as Net from "node:net"
import * as Tls from "node:tls"
import * as Json from "../Json.js"
import { UsageError } from "./exit.js"
import * as parse from "./options.js"

/** What to connect to and how, and how to tell it. */
export interface Race {
  readonly host: string
  readonly port: number
  readonly options: Omit<NodeHappyEyeballs.ConnectOptions, "onEvent">
  /** The Connection Attempt Delay in ms, for the timeline's reasons; `null` for none. */
  readonly delay: number | null
  readonly timeout: number | undefined
  readonly json: boolean
}

/** How the connect ended. The socket, if any, stays open until the caller's scope closes. */
export interface Outcome {
  readonly events: ReadonlyArray<Trace.Event>
  readonly winner: Timeline.Connected | undefined
  readonly socket: Net.Socket | undefined
  readonly error: unknown
  readonly ms: number
}

class Timeout extends Data.TaggedError("Timeout")<{ readonly ms: number }> {
  override get message() {
    return `no connection within ${this.ms} ms`
  }
}

/** The first line of a failure report: what failed, in one phrase. */
const headline = (race: Race, error: unknown, connected: Timeline.Connected | undefined, attempts: number): string => {
  const target = AddrInfo.formatHostPort(race.host, race.port)
  if (connected !== undefined && !(error instanceof Timeout)) {
    const remote = AddrInfo.format(connected.remote)
    return `could not connect to ${target}: the TLS handshake with ${remote} failed: ${Timeline.messageOf(error)}`
  }
  if (Resolver.isResolveError(error)) return `could not resolve ${race.host}: ${error.message}`
  if (ConnectError.isConnectError(error) && error.errors.length === 0) {
    return `could not connect to ${target}: ${error.message}`
  }
  if (error instanceof Timeout) return `could not connect to ${target}: ${error.message}`
  return `could not connect to ${target}: ${attempts === 1 ? "the attempt" : `all ${attempts} attempts`} failed`
}

/** The line about TLS after a connect with `--tls`: protocol, cipher, certificate. */
const tlsLine = (socket: Net.Socket): string | undefined => {
  if (!(socket instanceof Tls.TLSSocket)) return undefined
  const certificate = socket.authorized ?
    "certificate verified" :
    `certificate NOT verified (${String(socket.authorizationError ?? "no check")})`
  return `* TLS ${socket.getProtocol() ?? "?"} ${socket.getCipher()?.name ?? "?"}, ${certificate}`
}

const report = (race: Race, outcome: Outcome): Effect.Effect<void> => {
  const { error, events, ms, socket, winner } = outcome
  if (race.json) {
    return Console.log(Json.stringify({
      host: race.host,
      port: race.port,
      events,
      winner,
      localAddress: socket?.localAddress,
      localPort: socket?.localPort,
      ms,
      error
    }))
  }
  if (winner !== undefined && socket !== undefined) {
    const tls = tlsLine(socket)
    return Effect.zipRight(
      Console.log(Timeline.summary({
        winner,
        attempts: events.filter((e) => e._tag === "AttemptStarted").length,
        localAddress: socket.localAddress,
        localPort: socket.localPort,
        ms
      })),
      tls === undefined ? Effect.void : Console.log(tls)
    )
  }
  const connected = events.find(Timeline.isConnected)
  const attempts = Timeline.attempts(events, error instanceof Timeout ? "timed out" : "cancelled")
  const lines = connected === undefined ? [] : [Timeline.handshakeFailed(ms, connected, error)]
  // Both families failed differently: one line each, under the combined message.
  const families = Resolver.isResolveError(error) ? (error.errors ?? []).map((e) => `  ${e.message}`) : []
  const family = new Set(families).size > 1 ? families : []
  return Effect.zipRight(
    lines.length === 0 ? Effect.void : Console.log(lines.join("\n")),
    Console.error([`stagger: ${headline(race, error, connected, attempts.length)}`, ...attempts, ...family].join("\n"))
  )
}

const millisSince = (start: bigint) => Effect.map(Clock.currentTimeNanos, (now) => Number(now - start) / 1e6)

/**
 * Runs the connect, prints it, and returns how it went. A bad argument that only the library
 * caught (an `IllegalArgumentException`) is a `UsageError`.
 */
export const run = (race: Race): Effect.Effect<Outcome, UsageError, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.gen(function*() {
    const events = yield* Ref.make<ReadonlyArray<Trace.Event>>([])
    const timeline = yield* Ref.make(Timeline.initial)
    // An attempt cancelled because another won says so (`reason: "lost"`). One cancelled because
    // the connect itself was interrupted waits here until the end tells timeout from Ctrl-C.
    const cancelled = yield* Ref.make<ReadonlyArray<Trace.Event>>([])
    // One line at a time, in the order the events were stamped.
    const printing = yield* Effect.makeSemaphore(1)

    const print = (event: Trace.Event, reason: string) =>
      Effect.flatMap(
        Ref.modify(timeline, (state) => {
          const [next, text] = Timeline.step(state, event, { delay: race.delay, cancelled: reason })
          return [text, next]
        }),
        (line) => Console.log(line)
      )
    const flush = (reason: string) =>
      Effect.flatMap(Ref.getAndSet(cancelled, []), Effect.forEach((event) => print(event, reason)))

    const onEvent = (event: Trace.Event) =>
      printing.withPermits(1)(Effect.gen(function*() {
        yield* Ref.update(events, (all) => [...all, event])
        if (race.json) return
        if (event._tag === "AttemptCancelled" && event.reason === "interrupted") {
          return yield* Ref.update(cancelled, (all) => [...all, event])
        }
        yield* print(event, "another attempt won")
      }))

    const start = yield* Clock.currentTimeNanos
    const connect = NodeHappyEyeballs.createConnectedSock(race.host, race.port, { ...race.options, onEvent })
    const timeout = race.timeout
    const bounded = timeout === undefined ?
      connect :
      Effect.timeoutFail(connect, { duration: Duration.millis(timeout), onTimeout: () => new Timeout({ ms: timeout }) })
    const result = yield* Effect.either(bounded).pipe(
      Effect.onInterrupt(() =>
        Effect.zipRight(printing.withPermits(1)(flush("interrupted")), Console.error("stagger: interrupted"))
      )
    )
    yield* printing.withPermits(1)(
      flush(Either.isLeft(result) && result.left instanceof Timeout ? "timed out" : "the connect ended")
    )
    const ms = yield* millisSince(start)
    if (Either.isLeft(result) && Cause.isIllegalArgumentException(result.left)) {
      return yield* new UsageError({ message: parse.inFlags(result.left.message) })
    }
    const all = yield* Ref.get(events)
    const outcome: Outcome = {
      events: all,
      winner: Either.isRight(result) ? all.find(Timeline.isConnected) : undefined,
      socket: Either.getOrUndefined(result),
      error: Either.isLeft(result) ? result.left : undefined,
      ms
    }
    yield* report(race, outcome)
    return outcome
  })
