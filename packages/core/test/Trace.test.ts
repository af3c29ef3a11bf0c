import { HappyEyeballs, Trace } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import type * as Tracer from "effect/Tracer"
import { lookups, makeDialer, runFor, v4, v6 } from "./support/net.js"
import { recordingTracer } from "./support/tracer.js"

const line = Trace.Event.$match({
  Resolved: (e) => `${e.at} resolved IPv${e.family} ${e.addresses.map((a) => a.address).join(" ")}`,
  ResolveFailed: (e) => `${e.at} lookup IPv${e.family} failed: ${e.error.message}`,
  AttemptStarted: (e) => `${e.at} #${e.index} start ${e.remote.address}`,
  AttemptFailed: (e) => `${e.at} #${e.index} failed ${e.code}`,
  AttemptCancelled: (e) => `${e.at} #${e.index} cancelled (${e.reason})`,
  Connected: (e) => `${e.at} #${e.index} connected ${e.remote.address}`,
  HistoryApplied: (e) => `${e.at} history ${e.remembered?.address} first`
})

describe("Trace: the race as data", () => {
  it.effect("answers, starts, failures, cancellations and the winner, with exact times", () =>
    Effect.gen(function*() {
      const events = yield* Ref.make<ReadonlyArray<Trace.Event>>([])
      const { dialer } = yield* makeDialer
      const exit = yield* runFor(
        Effect.scoped(HappyEyeballs.connectWith({
          host: "example.test",
          port: 443,
          onEvent: (event) => Ref.update(events, (es) => [...es, event]),
          dial: dialer({
            [v6(1).address]: { after: 5, ok: false, code: "ENETUNREACH" },
            [v4(1).address]: "hang",
            [v6(2).address]: { after: 30, ok: true }
          })
        })),
        1000
      ).pipe(
        Effect.provide(lookups({
          6: { after: 20, addresses: [v6(1), v6(2)] },
          4: { after: 0, addresses: [v4(1)] }
        }))
      )
      expect(exit).toEqual(Exit.succeed(v6(2).address))
      expect((yield* Ref.get(events)).map(line)).toEqual([
        "0 resolved IPv4 192.0.2.1",
        "20 resolved IPv6 2001:db8::1 2001:db8::2",
        "20 #0 start 2001:db8::1",
        "25 #0 failed ENETUNREACH",
        "25 #1 start 192.0.2.1",
        "275 #2 start 2001:db8::2",
        // The winner is told first: the losers are cancelled because it connected.
        "305 #2 connected 2001:db8::2",
        "305 #1 cancelled (lost)"
      ])
    }))

  it.effect("a ConnectError carries the whole trace", () =>
    Effect.gen(function*() {
      const { dialer } = yield* makeDialer
      const exit = yield* runFor(
        Effect.scoped(HappyEyeballs.connectWith({
          host: "example.test",
          port: 443,
          dial: dialer({ [v6(1).address]: { after: 1, ok: false, code: "EHOSTUNREACH" } })
        })),
        1000
      ).pipe(Effect.provide(lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } })))
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      const trace = (error as { value: HappyEyeballs.ConnectError }).value.trace
      expect(trace.map(line)).toEqual([
        "0 resolved IPv6 2001:db8::1",
        "0 resolved IPv4 192.0.2.1",
        "0 #0 start 2001:db8::1",
        "1 #0 failed EHOSTUNREACH",
        "1 #1 start 192.0.2.1",
        "1 #1 failed ECONNREFUSED"
      ])
    }))

  it.effect("spans: one for the connect, one per lookup, one per attempt, with addresses", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const { dialer } = yield* makeDialer
      // The span each dial runs in, as the dial sees it.
      const seen: Array<Tracer.AnySpan> = []
      const dial = dialer({ [v6(1).address]: "hang", [v4(1).address]: { after: 300, ok: true } })
      yield* runFor(
        Effect.scoped(HappyEyeballs.connectWith({
          host: "example.test",
          port: 443,
          dial: (remote, local) =>
            Effect.zipRight(Effect.tap(Effect.currentSpan, (span) => seen.push(span)), dial(remote, local))
        })).pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(true)),
        1000
      ).pipe(Effect.provide(lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } })))
      expect(spans.map((s) => s.name).sort()).toEqual([
        "stagger.attempt",
        "stagger.attempt",
        "stagger.connect",
        "stagger.lookup",
        "stagger.lookup"
      ])
      const connect = spans.find((s) => s.name === "stagger.connect")!
      const attempts = spans.filter((s) => s.name === "stagger.attempt")
      // OpenTelemetry's semantic conventions for the network, and the outcome on the connect.
      expect(attempts.map((s) => Object.fromEntries(s.attributes))).toEqual([
        {
          "network.peer.address": v6(1).address,
          "network.peer.port": 443,
          "network.type": "ipv6",
          "network.transport": "tcp",
          "stagger.attempt.index": 0
        },
        {
          "network.peer.address": v4(1).address,
          "network.peer.port": 443,
          "network.type": "ipv4",
          "network.transport": "tcp",
          "stagger.attempt.index": 1
        }
      ])
      expect(Object.fromEntries(connect.attributes)).toEqual({
        "server.address": "example.test",
        "server.port": 443,
        "network.peer.address": v4(1).address,
        "network.peer.port": 443,
        "network.type": "ipv4",
        "stagger.attempts": 2,
        "stagger.attempts.failed": 0
      })
      // Children of the connect's span, each the span its dial runs in.
      expect(attempts.map((s) => Option.map(s.parent, (p) => p.spanId))).toEqual([
        Option.some(connect.spanId),
        Option.some(connect.spanId)
      ])
      expect(seen.map((s) => s.spanId)).toEqual(attempts.map((s) => s.spanId))
      // Both end at 550 ms: the loser's span (its attempt started at 0) with its interruption,
      // 550 ms long; the winner's (started at 250) with its success, 300 ms long.
      const ends = attempts.map((s) =>
        s.status._tag === "Ended" ?
          { ms: Number((s.status.endTime - s.status.startTime) / BigInt(1_000_000)), exit: s.status.exit._tag } :
          s.status._tag
      )
      expect(ends).toEqual([{ ms: 550, exit: "Failure" }, { ms: 300, exit: "Success" }])
    }))
})

describe("Trace: a listener's defect", () => {
  it.effect("a listener that dies when told of the win: the connect dies with its defect, every connection is closed", () =>
    Effect.gen(function*() {
      const { dialer, log } = yield* makeDialer
      const exit = yield* runFor(
        Effect.scoped(HappyEyeballs.connectWith({
          host: "example.test",
          port: 443,
          onEvent: (event) => event._tag === "Connected" ? Effect.dieMessage("listener broke") : Effect.void,
          dial: dialer({ [v6(1).address]: "hang", [v4(1).address]: { after: 20, ok: true } })
        })),
        1000
      ).pipe(
        Effect.provide(lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } }))
      )
      expect(Exit.isFailure(exit) && Cause.defects(exit.cause).pipe((ds) => Array.from(ds).map(String))).toEqual([
        "RuntimeException: listener broke"
      ])
      // The winner's connection is not handed out, so it is closed with the loser's.
      const closed = (yield* log).filter((line) => line.includes("close"))
      expect(closed.map((line) => line.split(" ").slice(1).join(" ")).sort()).toEqual([
        `close ${v4(1).address}`,
        `close ${v6(1).address}`
      ])
    }))
})

describe("Trace: the span of a connect to an IP literal", () => {
  /** Notes the current span, if there is one. */
  const spanIn = (into: Array<Tracer.AnySpan>): Effect.Effect<void> =>
    Effect.map(Effect.option(Effect.currentSpan), (span) => {
      if (Option.isSome(span)) into.push(span.value)
    })

  for (const listening of [false, true]) {
    it.effect(`the connect's span and its one attempt's; the dial runs in the attempt's (listener: ${listening})`, () =>
      Effect.gen(function*() {
        const { spans, tracer } = yield* recordingTracer
        const inDial: Array<Tracer.AnySpan> = []
        const inListener: Array<Tracer.AnySpan> = []
        const { dialer } = yield* makeDialer
        const dial = dialer({ [v4(1).address]: { after: 20, ok: true } })
        const exit = yield* runFor(
          Effect.scoped(HappyEyeballs.connectWith({
            host: v4(1).address,
            port: v4(1).port,
            dial: (remote, local) => Effect.zipRight(spanIn(inDial), dial(remote, local)),
            ...(listening ? { onEvent: () => spanIn(inListener) } : {})
          })).pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(true)),
          100
        ).pipe(Effect.provide(lookups({})))
        expect(Exit.isSuccess(exit)).toBe(true)
        // No lookup: an IP literal is its own address.
        expect(spans.map((s) => s.name).sort()).toEqual(["stagger.attempt", "stagger.connect"])
        const attempt = spans.find((s) => s.name === "stagger.attempt")!
        const connect = spans.find((s) => s.name === "stagger.connect")!
        expect(connect.attributes.get("server.address")).toBe(v4(1).address)
        expect(connect.attributes.get("network.peer.address")).toBe(v4(1).address)
        expect(attempt.attributes.get("network.peer.address")).toBe(v4(1).address)
        expect(Option.map(attempt.parent, (p) => p.spanId)).toEqual(Option.some(connect.spanId))
        expect(inDial.map((s) => s.spanId)).toEqual([attempt.spanId])
        // AttemptStarted and Connected, each told in the connect's span.
        expect(inListener.map((s) => s.spanId)).toEqual(listening ? [connect.spanId, connect.spanId] : [])
        for (const span of spans) {
          expect(span.status._tag === "Ended" && span.status.exit._tag).toBe("Success")
          expect(
            span.status._tag === "Ended" && Number((span.status.endTime - span.status.startTime) / BigInt(1_000_000))
          ).toBe(20)
        }
      }))
  }

  it.effect("a failed attempt and connect carry error.type; an IPv4-only host's lookups end without error", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const { dialer } = yield* makeDialer
      const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
      const dial = dialer({ [v4(1).address]: { after: 5, ok: true } })
      const exit = yield* runFor(
        Effect.scoped(HappyEyeballs.connectWith({
          host: "v4only.test",
          port: 443,
          dial: (remote, local) => Effect.zipRight(dial(remote, local), Effect.fail(refused))
        })).pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(true)),
        100
      ).pipe(Effect.provide(lookups({ 6: { after: 0, addresses: [] }, 4: { after: 0, addresses: [v4(1)] } })))
      expect(Exit.isFailure(exit)).toBe(true)
      const byName = (name: string) => spans.filter((s) => s.name === name)
      expect(byName("stagger.lookup").map((s) => s.status._tag === "Ended" && s.status.exit._tag)).toEqual([
        "Success",
        "Success"
      ])
      expect(byName("stagger.attempt").map((s) => s.attributes.get("error.type"))).toEqual(["ECONNREFUSED"])
      const [connect] = byName("stagger.connect")
      expect(connect.attributes.get("error.type")).toBe("ECONNREFUSED")
      expect(connect.attributes.get("stagger.attempts.failed")).toBe(1)
    }))
})

describe("Trace: why an attempt was cancelled", () => {
  it.effect("interrupting the connect cancels the running attempts with reason \"interrupted\"", () =>
    Effect.gen(function*() {
      const events = yield* Ref.make<ReadonlyArray<Trace.Event>>([])
      const { dialer } = yield* makeDialer
      const fiber = yield* Effect.scoped(HappyEyeballs.connectWith({
        host: "example.test",
        port: 443,
        onEvent: (event) => Ref.update(events, (es) => [...es, event]),
        dial: dialer({ [v6(1).address]: "hang", [v4(1).address]: "hang" })
      })).pipe(
        Effect.provide(lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } })),
        Effect.fork
      )
      yield* TestClock.adjust(300)
      yield* Fiber.interrupt(fiber)
      const cancelled = (yield* Ref.get(events)).filter((e) => e._tag === "AttemptCancelled").map(line)
      expect(cancelled.sort()).toEqual(["300 #0 cancelled (interrupted)", "300 #1 cancelled (interrupted)"])
    }))
})
