/**
 * `History`: a connect remembers its winner and the addresses that failed; the next connect
 * to the same `host:port` tries the winner first and the failed addresses last (RFC 8305
 * section 4, Happy Eyeballs v3). Every time is virtual (`TestClock`) and exact.
 */
import { HappyEyeballs, History, Timeline, Trace } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { lookups, makeDialer, type Outcome, runFor, v4, v6 } from "./support/net.js"
import { recordingTracer } from "./support/tracer.js"

/** Connects twice to the same host over the same network; returns each connect's log. */
const twice = (
  table: Record<string, Outcome>,
  options: { readonly host?: string; readonly family?: 0 | 4 | 6; readonly second?: Record<string, Outcome> } = {}
) =>
  Effect.gen(function*() {
    const logs: Array<ReadonlyArray<string>> = []
    const exits: Array<Exit.Exit<string, unknown>> = []
    for (const dialTable of [table, options.second ?? table]) {
      const { dialer, log } = yield* makeDialer
      const start = yield* TestClock.currentTimeMillis
      exits.push(
        yield* runFor(
          Effect.scoped(HappyEyeballs.connectWith({
            host: options.host ?? "example.test",
            port: 443,
            family: options.family ?? 0,
            dial: dialer(dialTable)
          })),
          5000
        )
      )
      // Times relative to this connect's start.
      logs.push((yield* log).map((line) => {
        const [at, ...rest] = line.split(" ")
        return [Number(at) - start, ...rest].join(" ")
      }))
    }
    return { exits, logs }
  })

const starts = (log: ReadonlyArray<string>) => log.filter((line) => line.includes("start"))

describe("History: the second connect", () => {
  it.effect("B, IPv6 silently dropped: the first waits the 250 ms delay; the second tries IPv4 first", () =>
    Effect.gen(function*() {
      const { exits, logs } = yield* twice({ [v6(1).address]: "hang", [v4(1).address]: { after: 10, ok: true } })
      expect(exits).toEqual([Exit.succeed(v4(1).address), Exit.succeed(v4(1).address)])
      expect(starts(logs[0])).toEqual(["0 start 2001:db8::1", "250 start 192.0.2.1"])
      // Before any DNS answer, and the resolver's own IPv4 is not attempted twice.
      expect(starts(logs[1])).toEqual(["0 start 192.0.2.1"])
    }).pipe(
      Effect.provide(Layer.merge(
        lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } }),
        History.layerMemory()
      ))
    ))

  it.effect("E, 3+3 addresses with the first two of each dropped: 1000 ms, then at once", () =>
    Effect.gen(function*() {
      const { exits, logs } = yield* twice({
        [v6(1).address]: "hang",
        [v6(2).address]: "hang",
        [v4(1).address]: "hang",
        [v4(2).address]: "hang",
        [v6(3).address]: { after: 10, ok: true },
        [v4(3).address]: { after: 10, ok: true }
      })
      expect(exits).toEqual([Exit.succeed(v6(3).address), Exit.succeed(v6(3).address)])
      expect(starts(logs[0]).at(-1)).toBe("1000 start 2001:db8::3")
      expect(starts(logs[1])).toEqual(["0 start 2001:db8::3"])
    }).pipe(
      Effect.provide(Layer.merge(
        lookups({
          6: { after: 0, addresses: [v6(1), v6(2), v6(3)] },
          4: { after: 0, addresses: [v4(1), v4(2), v4(3)] }
        }),
        History.layerMemory()
      ))
    ))

  it.effect("failed addresses go behind the others; a remembered winner that now hangs loses to them", () =>
    Effect.gen(function*() {
      const { exits, logs } = yield* twice(
        {
          [v6(1).address]: { after: 1, ok: false },
          [v4(1).address]: { after: 1, ok: false },
          [v6(2).address]: { after: 1, ok: true },
          [v4(2).address]: { after: 1, ok: true }
        },
        { second: { [v6(2).address]: "hang", [v4(2).address]: { after: 1, ok: true } } }
      )
      expect(exits).toEqual([Exit.succeed(v6(2).address), Exit.succeed(v4(2).address)])
      expect(starts(logs[0])).toEqual(["0 start 2001:db8::1", "1 start 192.0.2.1", "2 start 2001:db8::2"])
      // The winner first; then the resolver's order less it, with 2001:db8::1 and 192.0.2.1,
      // which failed, after 192.0.2.2, which did not.
      expect(starts(logs[1])).toEqual(["0 start 2001:db8::2", "250 start 192.0.2.2"])
    }).pipe(
      Effect.provide(Layer.merge(
        lookups({ 6: { after: 0, addresses: [v6(1), v6(2)] }, 4: { after: 0, addresses: [v4(1), v4(2)] } }),
        History.layerMemory()
      ))
    ))

  it.effect("a remembered winner of another family than asked for is not used", () =>
    Effect.gen(function*() {
      const { dialer, log } = yield* makeDialer
      const dial = dialer({ [v4(1).address]: { after: 1, ok: true }, [v6(1).address]: { after: 1, ok: true } })
      yield* runFor(Effect.scoped(HappyEyeballs.connectWith({ host: "a.test", port: 443, dial })), 1000)
      yield* runFor(Effect.scoped(HappyEyeballs.connectWith({ host: "a.test", port: 443, family: 4, dial })), 1000)
      expect(starts(yield* log)).toEqual(["0 start 2001:db8::1", "1000 start 192.0.2.1"])
    }).pipe(
      Effect.provide(Layer.merge(
        lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } }),
        History.layerMemory()
      ))
    ))

  it.effect("the trace says what history did, and the timeline shows it", () =>
    Effect.gen(function*() {
      const { dialer } = yield* makeDialer
      const events: Array<Trace.Event> = []
      const connect = Effect.scoped(HappyEyeballs.connectWith({
        host: "example.test",
        port: 443,
        dial: dialer({ [v6(1).address]: { after: 1, ok: false }, [v4(1).address]: { after: 10, ok: true } }),
        onEvent: (event) => Effect.sync(() => void events.push(event))
      }))
      yield* runFor(connect, 1000)
      expect(events.filter((e) => e._tag === "HistoryApplied")).toEqual([])
      yield* runFor(connect, 1000)
      const applied = events.filter((e) => e._tag === "HistoryApplied")
      expect(applied).toEqual([
        Trace.Event.HistoryApplied({ at: 0, host: "example.test", remembered: v4(1, 443), failed: [v6(1, 443)] })
      ])
      expect(Timeline.format(applied, { delay: 250 }).join("\n")).toContain(
        "history    192.0.2.1 first (won last time); 2001:db8::1 last (failed)"
      )
    }).pipe(
      Effect.provide(Layer.merge(
        lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } }),
        History.layerMemory()
      ))
    ))

  it.effect("the connect's span says what history did", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      yield* twice({ [v6(1).address]: "hang", [v4(1).address]: { after: 10, ok: true } }).pipe(
        Effect.withTracer(tracer),
        Effect.withTracerEnabled(true)
      )
      const connects = spans.filter((s) => s.name === "stagger.connect")
      expect(connects.map((s) => s.attributes.get("stagger.history.remembered"))).toEqual([undefined, v4(1).address])
    }).pipe(
      Effect.provide(Layer.merge(
        lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } }),
        History.layerMemory()
      ))
    ))
})

describe("History.layerMemory", () => {
  const entryOf = (host: string) => Effect.flatMap(History.History, (history) => history.lookup(host, 443))
  const won = (history: History.History["Type"], host: string) =>
    history.record(host, 443, { winner: Option.some({ address: v4(1, 443), rtt: Duration.millis(5) }), failed: [] })

  it.effect("an entry is trusted for ttl (default 10 minutes) after its last update, then forgotten", () =>
    Effect.gen(function*() {
      const history = yield* History.History
      yield* won(history, "Example.TEST")
      yield* TestClock.adjust("10 minutes")
      // Host names are case-insensitive.
      expect(Option.isSome(yield* entryOf("example.test"))).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* entryOf("example.test")).toEqual(Option.none())
    }).pipe(Effect.provide(History.layerMemory())))

  it.effect("past capacity the least recently used host goes", () =>
    Effect.gen(function*() {
      const history = yield* History.History
      yield* won(history, "a.test")
      yield* won(history, "b.test")
      yield* entryOf("a.test") // a is now the more recently used
      yield* won(history, "c.test")
      expect([yield* entryOf("a.test"), yield* entryOf("b.test"), yield* entryOf("c.test")].map(Option.isSome))
        .toEqual([true, false, true])
    }).pipe(Effect.provide(History.layerMemory({ capacity: 2 }))))

  it.effect("a winner that fails later is dropped; one that wins again clears its failure", () =>
    Effect.gen(function*() {
      const history = yield* History.History
      yield* won(history, "a.test")
      yield* history.record("a.test", 443, { winner: Option.none(), failed: [v4(1, 443)] })
      expect(yield* entryOf("a.test")).toEqual(Option.some({ winner: Option.none(), failed: [v4(1, 443)] }))
      yield* won(history, "a.test")
      expect(Option.map(yield* entryOf("a.test"), (e) => e.failed)).toEqual(Option.some([]))
    }).pipe(Effect.provide(History.layerMemory())))

  it.effect("bad options are a defect that names them when the layer is built", () =>
    Effect.gen(function*() {
      const build = (options: History.MemoryOptions) =>
        Effect.exit(Effect.scoped(Layer.build(History.layerMemory(options))))
      expect(yield* build({ ttl: "soon" as never })).toEqual(
        Exit.die(new Cause.IllegalArgumentException("History.layerMemory: ttl must be a duration of at least 0"))
      )
      expect(yield* build({ capacity: 0 })).toEqual(
        Exit.die(
          new Cause.IllegalArgumentException("History.layerMemory: capacity must be an integer of at least 1, got 0")
        )
      )
    }))
})
