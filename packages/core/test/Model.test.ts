/**
 * Model-based test of `HappyEyeballs.connectWith` over `Resolver.concurrentResolver`: random
 * networks (addresses with a latency and an outcome, per-family lookup delays and failures,
 * random delay, First Address Family Count and Resolution Delay) are run under `TestClock` and
 * compared with the pure reference model in `support/model.ts`: the ending (winner, or the kind
 * of failure, and when), every attempt's address and start time, and when each attempt's
 * resources were released.
 */
import type { AddrInfo } from "@effect-stagger/core"
import { HappyEyeballs, Resolver } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Model from "./support/model.js"
import { lookups, v4, v6 } from "./support/net.js"

class Refused extends Data.TaggedError("DialFailure")<{ readonly address: string; readonly message: string }> {}

// ---------------------------------------------------------------------------------------------
// Networks
// ---------------------------------------------------------------------------------------------

const endpoint = fc.record({
  latency: fc.integer({ min: 0, max: 1000 }),
  outcome: fc.oneof(
    { arbitrary: fc.constant("ok" as const), weight: 2 },
    { arbitrary: fc.constant("refused" as const), weight: 2 },
    { arbitrary: fc.constant("hang" as const), weight: 1 }
  )
})

const lookup = fc.record({
  after: fc.integer({ min: 0, max: 400 }),
  fails: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 })
})

/** Random networks whose schedule the rules fix: networks sitting on a tie are left out. */
const networks: fc.Arbitrary<Model.Network> = fc.record({
  v6: fc.array(endpoint, { maxLength: 4 }),
  v4: fc.array(endpoint, { maxLength: 4 }),
  lookup6: lookup,
  lookup4: lookup,
  delay: fc.oneof(
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.integer({ min: 10, max: 500 }), weight: 4 }
  ),
  firstAddressFamilyCount: fc.integer({ min: 1, max: 3 }),
  resolutionDelay: fc.integer({ min: 0, max: 300 })
}).map((raw): Model.Network => ({
  ...raw,
  v6: raw.v6.map((e, i) => ({ ...e, family: 6, address: v6(i + 1).address })),
  v4: raw.v4.map((e, i) => ({ ...e, family: 4, address: v4(i + 1).address }))
})).filter((network) => Model.schedule(network) !== undefined)

// ---------------------------------------------------------------------------------------------
// Running a network
// ---------------------------------------------------------------------------------------------

type Note =
  | { readonly _tag: "start" | "close"; readonly address: string; readonly at: number }
  | { readonly _tag: "returned" | "scope closing"; readonly at: number }

/** What the implementation did, in the model's terms. */
interface Observed {
  readonly ending: Model.Ending | { readonly _tag: "Unexpected"; readonly cause: string }
  readonly starts: ReadonlyArray<readonly [string, number]>
  /** As the model's, with `"after return"` for a release between return and scope closing. */
  readonly closes: Readonly<Record<string, number | "scope" | "after return" | "closed twice">>
}

/** A lookup's scripted answer; no address at all is a failed lookup too. */
const answer = (lookup: Model.Lookup, endpoints: ReadonlyArray<Model.Endpoint>, family: 4 | 6) =>
  lookup.fails ?
    { after: lookup.after, error: `no IPv${family} address` } :
    { after: lookup.after, addresses: endpoints.map((e) => ({ family: e.family, address: e.address, port: 443 })) }

const endingOf = <E>(exit: Option.Option<Exit.Exit<string, E>>, at: number): Observed["ending"] => {
  if (Option.isNone(exit)) return { _tag: "Pending" }
  if (Exit.isSuccess(exit.value)) return { _tag: "Connected", address: exit.value.value, at }
  const error = Cause.failureOption(exit.value.cause)
  if (Option.isNone(error)) return { _tag: "Unexpected", cause: Cause.pretty(exit.value.cause) }
  const e = error.value
  if (e instanceof Refused) return { _tag: "Failed", error: "DialFailure", addresses: [e.address], at }
  if (HappyEyeballs.isConnectError(e)) {
    const addresses = e.errors.map((x) => (x instanceof Refused ? x.address : String(x)))
    return { _tag: "Failed", error: "ConnectError", addresses, at }
  }
  if (Resolver.isResolveError(e)) return { _tag: "Failed", error: "ResolveError", addresses: [], at }
  return { _tag: "Unexpected", cause: Cause.pretty(exit.value.cause) }
}

/** Runs `connectWith` over the network for `Model.HORIZON` ms of virtual time. */
const observe = (network: Model.Network): Effect.Effect<Observed> =>
  Effect.gen(function*() {
    const notes = yield* Ref.make<ReadonlyArray<Note>>([])
    const note = (make: (at: number) => Note) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => Ref.update(notes, (all) => [...all, make(at)]))
    const table = new Map([...network.v6, ...network.v4].map((e) => [e.address, e]))

    const dial = (remote: AddrInfo.AddrInfo) =>
      Effect.gen(function*() {
        const address = remote.address
        yield* note((at) => ({ _tag: "start", address, at }))
        yield* Effect.addFinalizer(() => note((at) => ({ _tag: "close", address, at })))
        const script = table.get(address)
        if (script === undefined || script.outcome === "hang") return yield* Effect.never
        yield* Effect.sleep(script.latency)
        if (script.outcome === "refused") {
          return yield* new Refused({ address, message: `connect ECONNREFUSED ${address}` })
        }
        return address
      })
    const resolver: Resolver.Resolver = (host, port, { family }) =>
      Resolver.concurrentResolver(host, port, {
        family,
        firstAddressFamilyCount: network.firstAddressFamilyCount,
        resolutionDelay: network.resolutionDelay
      })

    const scope = yield* Scope.make()
    const connect = HappyEyeballs.connectWith({ host: "model.test", port: 443, dial, delay: network.delay, resolver })
    const exit = yield* Ref.make<Option.Option<Exit.Exit<string, Effect.Effect.Error<typeof connect>>>>(Option.none())
    const fiber = yield* connect.pipe(
      Scope.extend(scope),
      Effect.exit,
      Effect.flatMap((done) => Ref.set(exit, Option.some(done))),
      Effect.zipRight(note((at) => ({ _tag: "returned", at }))),
      Effect.fork
    )
    yield* TestClock.adjust(Model.HORIZON)
    if (fiber.unsafePoll() === null) {
      // It never returns (an attempt hangs and none connects): interrupted, it must close all.
      yield* Fiber.interrupt(fiber)
      yield* note((at) => ({ _tag: "returned", at }))
    }
    yield* note((at) => ({ _tag: "scope closing", at }))
    yield* Scope.close(scope, Exit.void)

    const all = yield* Ref.get(notes)
    const returned = all.findIndex((n) => n._tag === "returned")
    const closing = all.findIndex((n) => n._tag === "scope closing")
    const starts: Array<readonly [string, number]> = []
    const closes: Record<string, number | "scope" | "after return" | "closed twice"> = {}
    all.forEach((n, i) => {
      if (n._tag === "start") starts.push([n.address, n.at])
      if (n._tag === "close") {
        closes[n.address] = n.address in closes ?
          "closed twice" :
          i < returned ?
          n.at :
          i > closing ?
          "scope" :
          "after return"
      }
    })
    return { ending: endingOf(yield* Ref.get(exit), all[returned].at), starts, closes }
  }).pipe(
    Effect.provide(lookups({
      6: answer(network.lookup6, network.v6, 6),
      4: answer(network.lookup4, network.v4, 4)
    }))
  )

/**
 * Networks are checked in batches run side by side, each under a `TestClock` of its own:
 * `TestClock` lets real timers fire between virtual instants, so one network takes tens of
 * milliseconds of wall time however little it computes, and a thousand in a row would take a
 * minute.
 */
const BATCH = 20
const RUNS = 50
let checked = 0

describe("HappyEyeballs.connectWith against the reference model", () => {
  it.effect.prop(
    "winner or failure, end time, every start and every release match the model",
    { batch: fc.array(networks, { minLength: BATCH, maxLength: BATCH }) },
    ({ batch }) =>
      Effect.gen(function*() {
        const observed = yield* Effect.forEach(
          batch,
          (network) => Effect.provide(observe(network), TestClock.defaultTestClock),
          { concurrency: "unbounded" }
        )
        batch.forEach((network, i) => {
          expect({ network, schedule: observed[i] }).toEqual({ network, schedule: Model.schedule(network) })
        })
        checked += batch.length
      }),
    { timeout: 60_000, fastCheck: { numRuns: RUNS } }
  )

  it("checked at least 1,000 networks", () => {
    expect(checked).toBeGreaterThanOrEqual(1000)
  })
})
