/**
 * A rehearsal of the connect in memory, so that a fresh process's first real connect is not
 * also the first time V8 sees the code.
 *
 * Problem: V8 compiles a function the first time it runs, interprets it until it has run
 * often, and only then compiles it to machine code. A connect runs a few hundred functions of
 * Effect's fiber runtime and of this library. In a fresh process the first connect pays for
 * all of it: in the network lab, a first connect to a name whose first eight addresses refuse
 * takes about 31 ms where the same connect takes about 5 ms once the process is hot.
 *
 * Approach: before the program needs a connection, run connects whose resolver and dialer
 * live in memory and answer in a later turn of the event loop, as a real lookup and a real
 * socket do. A transport passes its own dial over an in-memory connection, so that its code
 * is warmed too. The rehearsals take the paths real connects take: addresses from both families
 * streamed into the race, refused attempts, an attempt that hangs until the delay starts the
 * next one and then loses, a connect in which every attempt fails, and an IP literal. Nothing
 * leaves the process.
 *
 * The rehearsal runs in Effect's default runtime, not the caller's: its spans do not reach
 * the caller's tracer, its waits use the real clock (a `TestClock` in the caller's tests
 * would otherwise stall it), and no service of the caller's is involved.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type { AddrInfo, Family } from "../AddrInfo.js"
import * as GetAddrInfo from "../GetAddrInfo.js"
import type * as HappyEyeballs from "../HappyEyeballs.js"
import * as happyEyeballs from "./happyEyeballs.js"

/** Rehearsals of each kind when the caller does not say. */
export const DEFAULT_ROUNDS = 1

/** The rehearsal's host; `.invalid` (RFC 6761) never resolves for real. */
const host = "warm-up.invalid"

/**
 * Settles in the next turn of the event loop, as a socket's or a lookup's callback does:
 * `setImmediate` where there is one (Node, Bun, Deno), else a sleep of 0 ms on the clock of
 * the default runtime, which the rehearsal runs in.
 */
const nextTurn = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  typeof setImmediate === "function" ?
    Effect.async<A, E>((resume) => {
      const handle = setImmediate(() => resume(effect))
      return Effect.sync(() => clearImmediate(handle))
    }) :
    Effect.zipRight(Effect.sleep(0), effect)

const addresses = (family: Family, count: number, port: number): ReadonlyArray<AddrInfo> =>
  Array.from({ length: count }, (_, i): AddrInfo =>
    family === 6 ?
      { family, address: `2001:db8::${i + 1}`, port } :
      { family, address: `192.0.2.${i + 1}`, port })

/** A system resolver in memory: `count` documentation addresses per family, a turn later. */
const lookup = (count: number) =>
  GetAddrInfo.GetAddrInfo.of({
    lookup: (_, port, { family }) =>
      nextTurn(Effect.succeed(
        ([6, 4] as const).filter((f) => family === 0 || family === f).flatMap((f) => addresses(f, count, port))
      ))
  })

/** The rehearsal's dialer when the caller gives none: the outcome, a turn later. */
const defaultDial = (remote: AddrInfo, outcome: HappyEyeballs.Rehearsal): Effect.Effect<unknown, Error> =>
  outcome === "silent" ?
    Effect.never :
    nextTurn(
      outcome === "connected" ?
        Effect.succeed(remote) :
        Effect.fail(new Error(`connect ECONNREFUSED ${remote.address}:${remote.port}`))
    )

type Dial = NonNullable<HappyEyeballs.WarmUpOptions["dial"]>

/** One rehearsal: `outcome` decides each attempt's fate. */
const rehearse = (
  dial: Dial,
  count: number,
  delay: Duration.DurationInput,
  outcome: (remote: AddrInfo) => HappyEyeballs.Rehearsal,
  target: string = host
) =>
  Effect.scoped(
    happyEyeballs.connectWith({ host: target, port: 443, delay, dial: (remote) => dial(remote, outcome(remote)) })
  ).pipe(Effect.provideService(GetAddrInfo.GetAddrInfo, lookup(count)), Effect.ignore)

/** Every kind of rehearsal, once. */
const round = (dial: Dial): Effect.Effect<void> =>
  Effect.all([
    // Eight refusals, then the ninth address answers: the lab's scenario I.
    rehearse(dial, 5, "250 millis", (remote) => remote.address === "2001:db8::5" ? "connected" : "refused"),
    // IPv6 stays silent until the delay starts IPv4, which wins; the silent attempt loses.
    rehearse(dial, 1, "1 millis", (remote) => remote.family === 6 ? "silent" : "connected"),
    // Every attempt refused: the errors are gathered into one failure.
    rehearse(dial, 2, "250 millis", () => "refused"),
    // An IP literal: one attempt, no resolver.
    rehearse(dial, 1, "250 millis", () => "connected", "2001:db8::1")
  ], { discard: true })

/** Runs `effect` in Effect's default runtime; interrupting the caller interrupts it. */
const isolated = (effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const fiber = Runtime.runFork(Runtime.defaultRuntime)(effect)
    fiber.addObserver((exit) => resume(exit))
    return Fiber.interrupt(fiber)
  })

const checkRounds = (rounds: number | undefined): Either.Either<number, Cause.IllegalArgumentException> =>
  rounds === undefined ?
    Either.right(DEFAULT_ROUNDS) :
    Number.isInteger(rounds) && rounds >= 0 ?
    Either.right(rounds) :
    Either.left(new Cause.IllegalArgumentException(`rounds must be an integer of at least 0, got ${rounds}`))

export const warmUp = (
  options?: HappyEyeballs.WarmUpOptions
): Effect.Effect<void, Cause.IllegalArgumentException> =>
  Effect.suspend(() => {
    const rounds = checkRounds(options?.rounds)
    if (Either.isLeft(rounds)) return Effect.fail(rounds.left)
    const dial = options?.dial ?? defaultDial
    return rounds.right === 0 ? Effect.void : isolated(Effect.repeatN(round(dial), rounds.right - 1))
  })
