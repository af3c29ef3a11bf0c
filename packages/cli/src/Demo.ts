/**
 * `stagger demo`: a Happy Eyeballs race you can watch, offline, in a fraction of a second.
 *
 * It sets a stage on loopback (see `internal/fixtures.ts`): a port where nothing listens on
 * `::1` (refused at once), a listener on `127.0.0.2` whose accept queue is full (its SYNs are
 * dropped, so the attempt hangs), and an echo server on `127.0.0.3`. Only the resolver is
 * scripted, as a `GetAddrInfo` layer: `demo.stagger.test` answers IPv4 at once and IPv6 a
 * little later. The connect itself is the real `NodeHappyEyeballs.createConnectedSock`, so
 * the timeline shows each rule of RFC 8305 at work: the Resolution Delay holding IPv4 back
 * for the IPv6 answer, a refused attempt starting the next one at once, the Connection
 * Attempt Delay starting the next one beside a hung attempt, and the loser cancelled.
 *
 * @since 0.1.0
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as HappyEyeballs from "@effect-stagger/core/HappyEyeballs"
import * as Resolver from "@effect-stagger/core/Resolver"
import * as Timeline from "@effect-stagger/core/Timeline"
import type * as Trace from "@effect-stagger/core/Trace"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import type * as Net from "node:net"
import { ExitCode, Failed } from "./internal/exit.js"
import * as fixtures from "./internal/fixtures.js"
import * as help from "./internal/help.js"
import * as race from "./internal/race.js"

/**
 * The demo's host name (`.test` is reserved for testing, RFC 6761) and its addresses.
 *
 * @since 0.1.0
 * @category constants
 */
export const HOST = "demo.stagger.test"

const REFUSED = "::1"
const STALLED = "127.0.0.2"
const ECHO = "127.0.0.3"
/** Within the 50 ms Resolution Delay, so the IPv4 answer waits for it and IPv6 goes first. */
const IPV6_ANSWER_DELAY = 10
/** The defaults of the connect, which the demo keeps. */
const DELAY = Duration.toMillis(Duration.decode(HappyEyeballs.CONNECTION_ATTEMPT_DELAY))
const RESOLUTION_DELAY = Duration.toMillis(Duration.decode(Resolver.RESOLUTION_DELAY))

/**
 * The scripted resolver of the demo: `HOST` has IPv4 `127.0.0.2`, `127.0.0.3`, answered at
 * once, and IPv6 `::1`, answered after 10 ms. Any other name does not resolve.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLookups: Layer.Layer<GetAddrInfo.GetAddrInfo> = Layer.succeed(GetAddrInfo.GetAddrInfo, {
  lookup: (host, port, { family }) => {
    if (host !== HOST) {
      return Effect.fail(new GetAddrInfo.ResolveError({ host, family, message: `${host}: not a name of the demo` }))
    }
    const v4 = [STALLED, ECHO].map((address) => ({ family: 4 as const, address, port }))
    const v6 = [{ family: 6 as const, address: REFUSED, port }]
    const later = Effect.as(Effect.sleep(Duration.millis(IPV6_ANSWER_DELAY)), v6)
    return family === 4 ? Effect.succeed(v4) : family === 6 ? later : Effect.map(later, (v6) => [...v6, ...v4])
  }
})

/** The stage, on one port: retried on a fresh port when another program holds one of its addresses. */
const stage = Effect.gen(function*() {
  const port = yield* fixtures.echoServer(ECHO)
  yield* fixtures.stalledListener(STALLED, port)
  const parked = yield* fixtures.fillQueue(STALLED, port)
  const refusal = yield* fixtures.refusedAt(REFUSED, port)
  return { port, parked, refusal }
})

const stageInScope = Effect.gen(function*() {
  const outer = yield* Effect.scope
  const scope = yield* Scope.fork(outer, ExecutionStrategy.sequential)
  return yield* Scope.extend(stage, scope).pipe(Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
}).pipe(Effect.retry({ times: 4 }))

const introduction = (port: number, parked: number, refusal: string) => [
  "stagger demo: a Happy Eyeballs (RFC 8305) race on loopback, with real sockets and no network.",
  "",
  "Set up on this machine, and removed at the end:",
  `  ${AddrInfo.formatHostPort(REFUSED, port).padEnd(18)}nothing listens: a connect fails at once (${refusal})`,
  `  ${
    AddrInfo.formatHostPort(STALLED, port).padEnd(18)
  }a listener that never accepts, with ${parked} connections parked`,
  `  ${"".padEnd(18)}in its accept queue: the kernel drops new SYNs, a connect hangs`,
  `  ${AddrInfo.formatHostPort(ECHO, port).padEnd(18)}an echo server: a connect succeeds`,
  ...wrap(
    `Only the resolver is scripted, as a GetAddrInfo layer: ${HOST} has IPv4 ${STALLED} and ${ECHO}, ` +
      `answered at once, and IPv6 ${REFUSED}, answered after ${IPV6_ANSWER_DELAY} ms. The connect is the real ` +
      `NodeHappyEyeballs.createConnectedSock with its defaults (Connection Attempt Delay ${DELAY} ms, ` +
      `Resolution Delay ${RESOLUTION_DELAY} ms).`
  ),
  ""
]

/** Words in lines of at most 92 characters. */
const wrap = (text: string): ReadonlyArray<string> => help.wrap(text, 92)

/** Sends a line over the winner and reads the echo, to show the connection is real. */
const echo = (socket: Net.Socket) =>
  Effect.async<string>((resume) => {
    const onData = (data: Buffer) => resume(Effect.succeed(data.toString().trim()))
    socket.once("data", onData)
    socket.write("hello\n")
    return Effect.sync(() => socket.off("data", onData))
  }).pipe(Effect.timeoutOption("1 second"))

type Tagged<T extends Trace.Event["_tag"]> = Extract<Trace.Event, { readonly _tag: T }>

/** The event with `tag` of attempt `index`. */
const eventOf = <T extends "AttemptStarted" | "AttemptFailed" | "AttemptCancelled" | "Connected">(
  events: ReadonlyArray<Trace.Event>,
  tag: T,
  index: number
): Tagged<T> | undefined => events.find((e): e is Tagged<T> => e._tag === tag && e.index === index)

/**
 * What happened and why, in two sentences, when the race went as the stage scripts it;
 * `undefined` when it did not.
 *
 * @since 0.1.0
 * @category formatting
 */
export const story = (events: ReadonlyArray<Trace.Event>): string | undefined => {
  const started = [0, 1, 2].map((index) => eventOf(events, "AttemptStarted", index))
  const failed = eventOf(events, "AttemptFailed", 0)
  const won = eventOf(events, "Connected", 2)
  const cancelled = eventOf(events, "AttemptCancelled", 1)
  const addresses = started.map((e) => e?.remote.address)
  const answers = events.flatMap((e) => e._tag === "Resolved" ? [e.family] : [])
  if (
    answers.join(" ") !== "4 6" || addresses.join(" ") !== [REFUSED, STALLED, ECHO].join(" ") ||
    failed === undefined || won === undefined || cancelled === undefined || started[1] === undefined ||
    started[2] === undefined
  ) return undefined
  const ms = Timeline.formatMillis
  return wrap(
    `What happened: IPv4 answered first but waited for IPv6 (the Resolution Delay), so ${REFUSED} went first; ` +
      `it failed at once (${failed.code ?? "error"}), so ${STALLED} started right away at ${ms(started[1].at)}, ` +
      `not ${DELAY} ms later. Its SYN went unanswered (full accept queue), so once the ${DELAY} ms Connection ` +
      `Attempt Delay had passed ${ECHO} started, at ${ms(started[2].at)}, and connected at ${ms(won.at)}; the ` +
      "hung attempt was cancelled and its socket closed."
  ).join("\n")
}

/**
 * Runs the demo: sets the stage, races, tells what happened, cleans up.
 *
 * @since 0.1.0
 * @category handlers
 */
export const demo: Effect.Effect<void, Failed> = Effect.gen(function*() {
  const stageOrError = yield* Effect.either(stageInScope)
  if (stageOrError._tag === "Left") {
    yield* Console.error(`stagger demo: could not set the stage up: ${stageOrError.left.message}`)
    return yield* new Failed({ code: ExitCode.failed })
  }
  const { parked, port, refusal } = stageOrError.right
  yield* Console.log(introduction(port, parked, refusal).join("\n"))
  yield* Console.log(
    `* connecting to ${HOST}:${port}, both families, delay ${DELAY} ms, resolution delay ${RESOLUTION_DELAY} ms`
  )
  const outcome = yield* race.run({ host: HOST, port, options: {}, delay: DELAY, timeout: 5000, json: false }).pipe(
    Effect.provide(layerLookups),
    Effect.orDie
  )
  if (outcome.socket === undefined) return yield* new Failed({ code: ExitCode.failed })
  const answer = yield* echo(outcome.socket)
  yield* Console.log(
    `* sent "hello", the echo server answered ${answer._tag === "Some" ? `"${answer.value}"` : "nothing"}`
  )
  const told = story(outcome.events)
  yield* Console.log(
    `\n${told ?? "What happened: the race did not go as the stage scripts it; the timeline shows how it went."}`
  )
  if (told === undefined) return yield* new Failed({ code: ExitCode.failed })
}).pipe(Effect.scoped)

/**
 * The `demo` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("demo", {}, () => demo).pipe(
  Command.withDescription("Watch a staged race on loopback (offline, ~1 s)")
)
