import { type AddrInfo, GetAddrInfo, Resolver } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { lookups, runFor, v4, v6 } from "./support/net.js"

const names = (addresses: Iterable<{ address: string }>) => Array.from(addresses, (a) => a.address)
const A = [v6(1), v6(2), v6(3), v6(4)]
const B = [v4(1), v4(2), v4(3), v4(4)]

/** Collects the stream, the consumer pausing `pause` ms after each address; stamps times. */
const consume = <R>(stream: Stream.Stream<{ address: string }, Resolver.ResolveError, R>, pause = 0) =>
  stream.pipe(
    Stream.mapEffect((a) => Effect.map(Clock.currentTimeMillis, (t) => `${t} ${a.address}`)),
    Stream.tap(() => pause > 0 ? Effect.sleep(pause) : Effect.void),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray)
  )

describe("Resolver.interleave (RFC 8305 section 4)", () => {
  it("count 1 alternates one to one, first family first", () => {
    expect(names(Resolver.interleave([...A, ...B], 1))).toEqual(names([A[0], B[0], A[1], B[1], A[2], B[2], A[3], B[3]]))
  })
  it("count 2 puts two of the first family first", () => {
    expect(names(Resolver.interleave([...A, ...B], 2))).toEqual(names([A[0], A[1], B[0], A[2], B[1], A[3], B[2], B[3]]))
  })
  it("the first family is the family of the first address; a family that runs out is skipped", () => {
    expect(names(Resolver.interleave([B[0], A[0], B[1], B[2]], 1))).toEqual(names([B[0], A[0], B[1], B[2]]))
    expect(Resolver.interleave([], 1)).toEqual([])
  })
  it("a count larger than the first family takes all of it", () => {
    expect(names(Resolver.interleave([A[0], B[0], B[1]], 5))).toEqual(names([A[0], B[0], B[1]]))
  })
  it("a count that is not an integer of at least 1 throws an IllegalArgumentException, even with no address", () => {
    for (const count of [NaN, 1.5, 0, -1, Infinity]) {
      for (const addresses of [[...A, ...B], []]) {
        expect(() => Resolver.interleave(addresses, count)).toThrow(Cause.IllegalArgumentException)
      }
    }
    expect(() => Resolver.interleave(A, NaN)).toThrow(
      "firstAddressFamilyCount must be an integer of at least 1, got NaN"
    )
  })
})

describe("Resolver.basicResolver", () => {
  it.effect("one lookup, interleaved in the system's order", () =>
    Effect.gen(function*() {
      const out = yield* consume(Resolver.basicResolver("h", 443, { firstAddressFamilyCount: 2 })).pipe(
        Effect.provide(lookups({ 4: { after: 0, addresses: B }, 6: { after: 0, addresses: A } }))
      )
      expect(out).toEqual(names([A[0], A[1], B[0], A[2], B[1], A[3], B[2], B[3]]).map((a) => `0 ${a}`))
    }))

  it.effect("an empty answer is a ResolveError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(consume(Resolver.basicResolver("h", 80, { family: 4 }))).pipe(
        Effect.provide(lookups({ 4: { after: 0, addresses: [] } }))
      )
      expect(exit).toMatchObject({ _tag: "Failure" })
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      expect(error).toMatchObject({ value: { _tag: "ResolveError", family: 4 } })
      expect((error as { value: Error }).value.message).toContain("returned no address")
    }))

  it.effect("addresses of another family than asked for are dropped", () =>
    Effect.gen(function*() {
      const out = yield* consume(Resolver.basicResolver("h", 80, { family: 6 })).pipe(
        Effect.provide(lookups({ 6: { after: 0, addresses: [v4(1), v6(1)] } }))
      )
      expect(out).toEqual([`0 ${v6(1).address}`])
    }))

  it.effect("an answer that is not an IP literal of the family it claims is a ResolveError, never dialled", () =>
    Effect.gen(function*() {
      const answers: ReadonlyArray<unknown> = [
        { family: 4, address: "vm", port: 80 },
        { family: 5, address: "192.0.2.1", port: 80 },
        { family: 6, address: "192.0.2.1", port: 80 }
      ]
      for (const answer of answers) {
        const layer = Layer.succeed(GetAddrInfo.GetAddrInfo, {
          lookup: () => Effect.succeed([answer as AddrInfo.AddrInfo])
        })
        const exit = yield* Effect.exit(consume(Resolver.basicResolver("h", 80))).pipe(Effect.provide(layer))
        const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
        expect(error).toMatchObject({ value: { _tag: "ResolveError", host: "h" } })
        expect((error as { value: Error }).value.message).toContain("which is not an IP address of that family")
      }
    }))

  it.effect("the port is the one asked for", () =>
    Effect.gen(function*() {
      const out = yield* Stream.runCollect(Resolver.basicResolver("h", 8443, { family: 4 })).pipe(
        Effect.provide(lookups({ 4: { after: 0, addresses: [v4(1)] } }))
      )
      expect(Chunk.toReadonlyArray(out)).toEqual([{ family: 4, address: v4(1).address, port: 8443 }])
    }))
})

describe("Resolver.concurrentResolver (RFC 8305 section 3)", () => {
  const run = (answers: Parameters<typeof lookups>[0], options: Resolver.ResolverOptions, pause = 0, total = 5000) =>
    runFor(
      consume(Resolver.concurrentResolver("h", 80, options), pause).pipe(Effect.provide(lookups(answers))),
      total
    ).pipe(Effect.flatMap((exit) => exit))

  it.effect("IPv6 first is handed out at once; IPv4 then interleaves after it", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 10, addresses: A }, 4: { after: 30, addresses: B } }, {}, 100)
      expect(out[0]).toBe(`10 ${A[0].address}`)
      expect(out.map((l) => l.split(" ")[1])).toEqual(names([A[0], B[0], A[1], B[1], A[2], B[2], A[3], B[3]]))
    }))

  it.effect("one address at a time while a late answer may still move ahead; the rest at once when the order is final", () =>
    Effect.gen(function*() {
      const chunks = yield* runFor(
        Resolver.concurrentResolver("h", 80).pipe(
          Stream.chunks,
          Stream.mapEffect((chunk) => Effect.map(Clock.currentTimeMillis, (t) => `${t} ${names(chunk).join(",")}`)),
          Stream.tap(() => Effect.sleep(5)),
          Stream.runCollect,
          Effect.provide(lookups({ 6: { after: 10, addresses: A.slice(0, 2) }, 4: { after: 30, addresses: B } }))
        ),
        5000
      ).pipe(Effect.flatMap((exit) => exit))
      expect(Chunk.toReadonlyArray(chunks)).toEqual([
        `10 ${A[0].address}`,
        `15 ${A[1].address}`,
        `30 ${names([B[0], B[1], B[2], B[3]]).join(",")}`
      ])
    }))

  it.effect("original's case 1: IPv6 at 300 ms within a 500 ms resolution delay: fully interleaved, IPv6 first", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 300, addresses: A }, 4: { after: 0, addresses: B } }, {
        resolutionDelay: 500
      })
      expect(out).toEqual(names([A[0], B[0], A[1], B[1], A[2], B[2], A[3], B[3]]).map((a) => `300 ${a}`))
    }))

  it.effect("original's case 2: IPv6 at 150 ms, delay 50 ms, consumer pausing 250 ms: interleaved, IPv4 first", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 150, addresses: A }, 4: { after: 0, addresses: B } }, {
        resolutionDelay: 50
      }, 250)
      expect(out.map((l) => l.split(" ")[1])).toEqual(names([B[0], A[0], B[1], A[1], B[2], A[2], B[3], A[3]]))
      expect(out[0]).toBe(`50 ${B[0].address}`)
    }))

  it.effect("original's case 3: IPv6 at 300 ms, delay 50 ms, eager consumer: all IPv4, then all IPv6", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 300, addresses: A }, 4: { after: 0, addresses: B } }, {
        resolutionDelay: 50
      })
      expect(out).toEqual([...names(B).map((a) => `50 ${a}`), ...names(A).map((a) => `300 ${a}`)])
    }))

  it.effect("a failed IPv6 lookup ends the resolution delay at once", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 20, error: "no AAAA" }, 4: { after: 0, addresses: B } }, {})
      expect(out).toEqual(names(B).map((a) => `20 ${a}`))
    }))

  it.effect("IPv6 arriving late moves ahead of the unsent IPv4, with the first family count", () =>
    Effect.gen(function*() {
      // IPv4 handed out from 50 ms, one per 100 ms; IPv6 arrives at 120 ms.
      const out = yield* run({ 6: { after: 120, addresses: A }, 4: { after: 0, addresses: B } }, {
        firstAddressFamilyCount: 2
      }, 100)
      // b1 went out at 50 ms; at 150 ms two IPv6 come before the unsent b2.
      expect(out.map((l) => l.split(" ")[1])).toEqual(
        names([B[0], A[0], A[1], B[1], A[2], B[2], A[3], B[3]])
      )
    }))

  it.effect("IPv4 arriving after IPv6 was handed out uses only the unused part of the first family count", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 0, addresses: A }, 4: { after: 10, addresses: B } }, {
        firstAddressFamilyCount: 2
      }, 100)
      // a1 went out at 0 ms; one more IPv6 is due before the first IPv4.
      expect(out.map((l) => l.split(" ")[1])).toEqual(names([A[0], A[1], B[0], A[2], B[1], A[3], B[2], B[3]]))
    }))

  it.effect("a stream closed before its lookups end interrupts them; one never pulled makes none", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const service = GetAddrInfo.GetAddrInfo.of({
        lookup: (_host, port, { family }) => {
          log.push(`lookup ${family}`)
          return family === 4 ?
            Effect.succeed([{ ...B[0], port }]) :
            Effect.onInterrupt(Effect.never, () => Effect.sync(() => log.push("IPv6 lookup interrupted")))
        }
      })
      const stream = Resolver.concurrentResolver("h", 80, {})
      const first = runFor(
        consume(Stream.take(stream, 1)).pipe(Effect.provideService(GetAddrInfo.GetAddrInfo, service)),
        50
      )
      // IPv4 waits out the resolution delay for IPv6, then goes; closing the stream ends IPv6's wait.
      expect(yield* Effect.flatten(first)).toEqual([`50 ${B[0].address}`])
      expect(log).toEqual(["lookup 6", "lookup 4", "IPv6 lookup interrupted"])
      yield* Effect.scoped(Stream.toPull(stream)).pipe(Effect.provideService(GetAddrInfo.GetAddrInfo, service))
      expect(log).toHaveLength(3)
    }))

  it.effect("one family failing is not an error", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 0, addresses: A }, 4: { after: 0, error: "no A" } }, {})
      expect(out).toEqual(names(A).map((a) => `0 ${a}`))
    }))

  it.effect("both failing: one ResolveError holding both; one message when they agree", () =>
    Effect.gen(function*() {
      const differ = yield* run({ 6: { after: 0, error: "no AAAA" }, 4: { after: 5, error: "no A" } }, {}).pipe(
        Effect.flip
      )
      expect(differ).toMatchObject({ _tag: "ResolveError", family: 0, host: "h" })
      expect(differ.message).toBe("Multiple exceptions: no AAAA, no A")
      expect(differ.errors?.map((e) => e.family)).toEqual([6, 4])
      const same = yield* run({ 6: { after: 0, error: "ENOTFOUND" }, 4: { after: 0, error: "ENOTFOUND" } }, {})
        .pipe(Effect.flip)
      expect(same.message).toBe("ENOTFOUND")
    }))

  it.effect("both failing with raiseExcGroup: both errors in parallel in the Cause", () =>
    Effect.gen(function*() {
      const cause = yield* Resolver.concurrentResolver("h", 80, { raiseExcGroup: true }).pipe(
        Stream.catchAllCause((cause) => Stream.fromEffect(Effect.succeed(cause))),
        Stream.runCollect,
        Effect.map((chunk) => Chunk.unsafeHead(chunk) as Cause.Cause<Resolver.ResolveError>),
        Effect.provide(lookups({ 6: { after: 0, error: "no AAAA" }, 4: { after: 0, error: "no A" } }))
      )
      expect(Array.from(Cause.failures(cause), (e) => e.message)).toEqual(["no AAAA", "no A"])
    }))

  it.effect("with family 4 or 6 it is the basic resolver", () =>
    Effect.gen(function*() {
      const out = yield* run({ 6: { after: 10, addresses: A }, 4: { after: 0, addresses: B } }, { family: 6 })
      expect(out).toEqual(names(A).map((a) => `10 ${a}`))
    }))

  it.effect("a bad option is a defect naming it (connectWith reports it as a typed failure)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Stream.runDrain(Resolver.concurrentResolver("h", 80, { firstAddressFamilyCount: 0 }))
      ).pipe(Effect.provide(lookups({})))
      const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : undefined
      expect(defect).toMatchObject({ _tag: "Some" })
      expect(String((defect as { value: Error }).value.message)).toContain("firstAddressFamilyCount")
    }))
})

describe("Resolver hints (async_stagger's flags)", () => {
  /** A GetAddrInfo in memory that records the options each lookup received. */
  const recording = (seen: Array<object>) =>
    Layer.succeed(GetAddrInfo.GetAddrInfo, {
      lookup: (_host, port, options) => {
        seen.push(options)
        return Effect.succeed(
          options.family === 4 ? [v4(1, port)] : options.family === 6 ? [v6(1, port)] : [v6(1, port), v4(1, port)]
        )
      }
    })
  // Each resolver, and the lookups it makes for family 0.
  const resolvers = [
    { name: "basicResolver", resolver: Resolver.basicResolver, lookupsMade: [{ family: 0 }] },
    { name: "concurrentResolver", resolver: Resolver.concurrentResolver, lookupsMade: [{ family: 6 }, { family: 4 }] }
  ]

  for (const { lookupsMade, name, resolver } of resolvers) {
    it.effect(`${name} passes hints to every lookup it makes`, () =>
      Effect.gen(function*() {
        const seen: Array<object> = []
        yield* Stream.runDrain(resolver("h", 80, { hints: 0x400 })).pipe(Effect.provide(recording(seen)))
        expect(seen).toEqual(lookupsMade.map((options) => ({ ...options, hints: 0x400 })))
      }))

    it.effect(`${name} without hints gives a lookup none`, () =>
      Effect.gen(function*() {
        const seen: Array<object> = []
        yield* Stream.runDrain(resolver("h", 80, {})).pipe(Effect.provide(recording(seen)))
        expect(seen).toStrictEqual(lookupsMade)
      }))

    it.effect(`${name}: hints that are no non-negative integer are a defect naming them, before any lookup`, () =>
      Effect.gen(function*() {
        for (const hints of [-1, 1.5, NaN]) {
          const seen: Array<object> = []
          const exit = yield* Effect.exit(Stream.runDrain(resolver("h", 80, { hints }))).pipe(
            Effect.provide(recording(seen))
          )
          expect(exit).toEqual(
            Exit.die(new Cause.IllegalArgumentException(`hints must be a non-negative integer, got ${hints}`))
          )
          expect(seen).toEqual([])
        }
      }))
  }
})
