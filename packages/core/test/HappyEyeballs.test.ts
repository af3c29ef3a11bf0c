import { HappyEyeballs, Resolver } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type { DialFailure } from "./support/net.js"
import { lookups, makeDialer, type Outcome, runFor, v4, v6 } from "./support/net.js"

type Answers = Parameters<typeof lookups>[0]

/** Runs connectWith for `millis` of virtual time in a scope that closes at `closeAt`. */
const scenario = (
  answers: Answers,
  table: Record<string, Outcome>,
  options: Partial<HappyEyeballs.ConnectOptions<string, DialFailure, never>> = {},
  millis = 5000
) =>
  Effect.gen(function*() {
    const { dialer, log, note } = yield* makeDialer
    const exit = yield* runFor(
      Effect.scoped(
        HappyEyeballs.connectWith({ host: "example.test", port: 443, dial: dialer(table), ...options }).pipe(
          Effect.tap((winner) => note(`won ${winner}`))
        )
      ),
      millis
    )
    return { exit, log: yield* log }
  }).pipe(Effect.provide(lookups(answers)))

const both: Answers = { 6: { after: 0, addresses: [v6(1), v6(2)] }, 4: { after: 0, addresses: [v4(1), v4(2)] } }

describe("HappyEyeballs.connectWith: the race (RFC 8305 section 5)", () => {
  it.effect("all healthy: the first IPv6 address wins at once, nothing else starts", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, { [v6(1).address]: { after: 5, ok: true } })
      expect(exit).toEqual(Exit.succeed(v6(1).address))
      expect(log).toEqual(["0 start 2001:db8::1", "5 won 2001:db8::1", "5 close 2001:db8::1"])
    }))

  it.effect("IPv6 silently dropped: IPv4 starts after 250 ms and wins; the IPv6 loser is closed", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {
        [v6(1).address]: "hang",
        [v4(1).address]: { after: 1, ok: true }
      })
      expect(exit).toEqual(Exit.succeed(v4(1).address))
      expect(log).toEqual([
        "0 start 2001:db8::1",
        "250 start 192.0.2.1",
        "251 close 2001:db8::1",
        "251 won 192.0.2.1",
        "251 close 192.0.2.1"
      ])
    }))

  it.effect("IPv6 refused: IPv4 starts at once on the failure", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {
        [v6(1).address]: { after: 2, ok: false },
        [v4(1).address]: { after: 1, ok: true }
      })
      expect(exit).toEqual(Exit.succeed(v4(1).address))
      expect(log.slice(0, 3)).toEqual(["0 start 2001:db8::1", "2 close 2001:db8::1", "2 start 192.0.2.1"])
    }))

  it.effect("a slow path keeps running and wins over a later one (lab scenario F: IPv6 +300, IPv4 +350)", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {
        [v6(1).address]: { after: 300, ok: true },
        [v4(1).address]: { after: 350, ok: true }
      })
      expect(exit).toEqual(Exit.succeed(v6(1).address))
      expect(log).toEqual([
        "0 start 2001:db8::1",
        "250 start 192.0.2.1",
        "300 close 192.0.2.1",
        "300 won 2001:db8::1",
        "300 close 2001:db8::1"
      ])
    }))

  it.effect("lab scenario D (IPv6 +400, IPv4 +50): IPv4 wins at 300 ms", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {
        [v6(1).address]: { after: 400, ok: true },
        [v4(1).address]: { after: 50, ok: true }
      })
      expect(exit).toEqual(Exit.succeed(v4(1).address))
      expect(log).toContain("300 won 192.0.2.1")
    }))

  it.effect("lab scenario G (AAAA +200 ms, A at once): IPv4 starts after the 50 ms resolution delay", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(
        { 6: { after: 200, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } },
        { [v4(1).address]: { after: 0, ok: true }, [v6(1).address]: { after: 0, ok: true } }
      )
      expect(exit).toEqual(Exit.succeed(v4(1).address))
      expect(log[0]).toBe("50 start 192.0.2.1")
    }))

  it.effect("delay null: one attempt at a time, the next only on failure", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {
        [v6(1).address]: { after: 1000, ok: false },
        [v4(1).address]: { after: 10, ok: true }
      }, { delay: null })
      expect(exit).toEqual(Exit.succeed(v4(1).address))
      expect(log.slice(0, 3)).toEqual(["0 start 2001:db8::1", "1000 close 2001:db8::1", "1000 start 192.0.2.1"])
    }))

  it.effect("the winner stays open until the caller's scope closes", () =>
    Effect.gen(function*() {
      const { dialer, log } = yield* makeDialer
      const scope = yield* Scope.make()
      const fiber = yield* HappyEyeballs.connectWith({
        host: "192.0.2.1",
        port: 80,
        dial: dialer({ "192.0.2.1": { after: 1, ok: true } })
      }).pipe(Scope.extend(scope), Effect.fork)
      yield* TestClock.adjust(10)
      expect(yield* Fiber.join(fiber)).toBe("192.0.2.1")
      expect(yield* log).toEqual(["0 start 192.0.2.1"])
      yield* Scope.close(scope, Exit.void)
      expect(yield* log).toEqual(["0 start 192.0.2.1", "10 close 192.0.2.1"])
    }).pipe(Effect.provide(lookups({}))))

  it.effect("interrupting the connect closes every attempt, the running ones included", () =>
    Effect.gen(function*() {
      const { dialer, log } = yield* makeDialer
      const fiber = yield* Effect.scoped(HappyEyeballs.connectWith({
        host: "example.test",
        port: 443,
        dial: dialer({ [v6(1).address]: "hang", [v4(1).address]: "hang" })
      })).pipe(Effect.fork)
      yield* TestClock.adjust(300)
      yield* Fiber.interrupt(fiber)
      const lines = yield* log
      expect(lines.slice(0, 2)).toEqual(["0 start 2001:db8::1", "250 start 192.0.2.1"])
      expect(lines.slice(2).sort()).toEqual(["300 close 192.0.2.1", "300 close 2001:db8::1"])
    }).pipe(Effect.provide(lookups(both))))
})

describe("HappyEyeballs.connectWith: local addresses", () => {
  const locals = [{ address: "2001:db8:ff::1" }, { address: "198.51.100.1" }, { address: "198.51.100.2" }]

  const paired = [
    "0 start 2001:db8::1<-2001:db8:ff::1",
    "0 start 192.0.2.1<-198.51.100.1",
    "0 start 192.0.2.1<-198.51.100.2",
    "0 start 2001:db8::2<-2001:db8:ff::1",
    "0 start 192.0.2.2<-198.51.100.1",
    "0 start 192.0.2.2<-198.51.100.2"
  ]

  it.effect("each remote is tried with each local of its family, in order; other families not at all (fix)", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {}, { localAddrs: locals, delay: 0 })
      expect(exit._tag).toBe("Failure")
      expect(log.filter((l) => l.includes("start"))).toEqual(paired)
    }))

  it.effect("a Stream of local addresses pairs the same way", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, {}, { localAddrs: Stream.fromIterable(locals), delay: 0 })
      expect(exit._tag).toBe("Failure")
      expect(log.filter((l) => l.includes("start"))).toEqual(paired)
    }))

  it.effect("no local address of any remote's family: a ConnectError that says why (fix)", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario({ 4: { after: 0, addresses: [v4(1)] } }, {}, {
        localAddrs: [{ address: "2001:db8:ff::1" }]
      })
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      expect(error).toMatchObject({ value: { _tag: "ConnectError", errors: [] } })
      expect((error as { value: Error }).value.message).toContain("no local address has the family")
    }))

  it.effect("a bad local address in a Stream ends the connect and closes every attempt", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario(both, { [v6(1).address]: "hang" }, {
        // the second local arrives when the second attempt is due (250 ms) plus 100 ms
        localAddrs: Stream.concat(
          Stream.make({ address: "2001:db8:ff::1" }),
          Stream.fromEffect(Effect.as(Effect.sleep(100), { address: "not-an-ip" }))
        )
      })
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      expect(error).toMatchObject({ value: { _tag: "IllegalArgumentException" } })
      expect((error as { value: Error }).value.message).toContain("not-an-ip")
      expect(log).toEqual(["0 start 2001:db8::1<-2001:db8:ff::1", "350 close 2001:db8::1<-2001:db8:ff::1"])
    }))
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined

describe("HappyEyeballs.connectWith: when every attempt fails", () => {
  it.effect("ConnectError.errors is typed: the dial's errors and ResolveError, not unknown", () =>
    Effect.gen(function*() {
      const { dialer } = yield* makeDialer
      const exit = yield* runFor(
        Effect.scoped(HappyEyeballs.connectWith({
          host: "example.test",
          port: 443,
          dial: dialer({ [v6(1).address]: { after: 1, ok: false, code: "ENETUNREACH" } })
        })),
        100
      ).pipe(Effect.provide(lookups({ 6: { after: 0, addresses: [v6(1)] }, 4: { after: 0, addresses: [v4(1)] } })))
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
      // Reading `_tag` and `message` type-checks only because `errors` is typed.
      const errors = error !== undefined && error._tag === "Some" && error.value._tag === "ConnectError" ?
        error.value.errors.map((e): string => `${e._tag}: ${e.message}`) :
        []
      expect(errors).toEqual([
        "DialFailure: connect ENETUNREACH 2001:db8::1",
        "DialFailure: connect ECONNREFUSED 192.0.2.1"
      ])
    }))

  it.effect("the same error everywhere: that one error", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario({ 4: { after: 0, addresses: [v4(1), v4(1)] } }, {
        [v4(1).address]: { after: 1, ok: false }
      })
      expect(failureOf(exit)).toMatchObject({
        value: { _tag: "DialFailure", message: "connect ECONNREFUSED 192.0.2.1" }
      })
    }))

  it.effect("different errors: a ConnectError with each, in start order, and a Multiple exceptions message", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario(both, {
        [v6(1).address]: { after: 1, ok: false, code: "ENETUNREACH" },
        [v6(2).address]: { after: 1, ok: false, code: "ETIMEDOUT" }
      })
      const error = failureOf(exit) as { value: HappyEyeballs.ConnectError }
      expect(error.value._tag).toBe("ConnectError")
      expect(error.value.errors.map((e) => (e as DialFailure).message)).toEqual([
        "connect ENETUNREACH 2001:db8::1",
        "connect ECONNREFUSED 192.0.2.1",
        "connect ETIMEDOUT 2001:db8::2",
        "connect ECONNREFUSED 192.0.2.2"
      ])
      expect(error.value.message).toBe(
        "Multiple exceptions: connect ENETUNREACH 2001:db8::1, connect ECONNREFUSED 192.0.2.1, " +
          "connect ETIMEDOUT 2001:db8::2, connect ECONNREFUSED 192.0.2.2"
      )
    }))

  it.effect("raiseExcGroup: every error in parallel in the Cause, in start order", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario(both, {}, { raiseExcGroup: true })
      const failures = Exit.isFailure(exit) ? Array.from(Cause.failures(exit.cause)) : []
      expect(failures.map((e) => (e as DialFailure).message)).toEqual([
        "connect ECONNREFUSED 2001:db8::1",
        "connect ECONNREFUSED 192.0.2.1",
        "connect ECONNREFUSED 2001:db8::2",
        "connect ECONNREFUSED 192.0.2.2"
      ])
    }))

  it.effect("the host does not resolve: the ResolveError", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario({
        6: { after: 0, error: "ENOTFOUND" },
        4: { after: 0, error: "ENOTFOUND" }
      }, {})
      expect(failureOf(exit)).toMatchObject({ value: { _tag: "ResolveError", message: "ENOTFOUND" } })
      expect(log).toEqual([])
    }))

  it.effect("a resolver failing after some attempts: its error comes after theirs", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario({}, {}, {
        resolver: (_host, port) =>
          Stream.concat(
            Stream.make(v4(1, port)),
            Stream.fail(
              new (class extends Error {
                readonly _tag = "ResolveError"
              })("late failure") as never
            )
          )
      })
      const error = failureOf(exit) as { value: HappyEyeballs.ConnectError }
      expect(error.value.message).toBe("Multiple exceptions: connect ECONNREFUSED 192.0.2.1, late failure")
    }))

  it.effect("the resolver ends without an address: a ConnectError that says so (fix)", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario({}, {}, { resolver: () => Stream.empty })
      const error = failureOf(exit) as { value: HappyEyeballs.ConnectError }
      expect(error.value._tag).toBe("ConnectError")
      expect(error.value.message).toBe("the resolver returned no address for example.test:443")
    }))
})

describe("HappyEyeballs.connectWith: IP literals", () => {
  it.effect("an IP literal is dialled without resolution", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario({ 6: { after: 0, error: "must not resolve" } }, {
        "2001:db8::7": { after: 3, ok: true }
      }, { host: "2001:db8::7" })
      expect(exit).toEqual(Exit.succeed("2001:db8::7"))
      expect(log[0]).toBe("0 start 2001:db8::7")
    }))

  it.effect("an IPv4 literal with only an IPv6 local address: a ConnectError that says why, nothing dialled", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario({}, {}, { host: "192.0.2.9", localAddrs: [{ address: "2001:db8:ff::1" }] })
      expect(failureOf(exit)).toMatchObject({ value: { _tag: "ConnectError", errors: [], trace: [] } })
      expect((failureOf(exit) as { value: Error }).value.message).toBe(
        "no local address has the family of any of the 1 addresses of 192.0.2.9:443"
      )
      expect(log).toEqual([])
    }))

  it.effect("an IPv4 literal with family 6 is a ResolveError, never dialled as IPv6", () =>
    Effect.gen(function*() {
      const { exit, log } = yield* scenario({}, {}, { host: "127.0.0.1", family: 6 })
      expect(failureOf(exit)).toMatchObject({ value: { _tag: "ResolveError", family: 6 } })
      expect(log).toEqual([])
    }))
})

describe("HappyEyeballs.connectWith: attempt errors of any shape", () => {
  /** Values a dialer may fail with that have no usable `message`, `code` or prototype. */
  const bare = Object.create(null) as object
  const throwing = {
    get message(): string {
      throw new Error("message getter")
    },
    get code(): string {
      throw new Error("code getter")
    }
  }
  /** Every address fails, one at a time, with the value `errors` gives for it; traced. */
  const failing = (errors: (address: string) => unknown) =>
    Effect.exit(Effect.scoped(HappyEyeballs.connectWith({
      host: "example.test",
      port: 443,
      delay: null,
      onEvent: () => Effect.void,
      dial: (remote) => Effect.fail(errors(remote.address))
    })))

  it.effect("different ones are aggregated as they are, with a message that does not throw", () =>
    Effect.gen(function*() {
      const table: Record<string, unknown> = {
        [v6(1).address]: bare,
        [v4(1).address]: throwing,
        [v6(2).address]: "text"
      }
      const exit = yield* failing((address) => table[address])
      const error = failureOf(exit) as { value: HappyEyeballs.ConnectError }
      expect(error.value._tag).toBe("ConnectError")
      // As they are: Effect may wrap an object failure in a Proxy that records its span.
      const [first, second, third] = error.value.errors
      expect(error.value.errors).toHaveLength(4)
      expect(Object.getPrototypeOf(first)).toBe(null)
      expect(() => (second as typeof throwing).message).toThrow("message getter")
      expect(third).toBe("text")
      expect(error.value.message).toMatch(/^Multiple exceptions: \[object Object\], \[object Object\], text, /)
    }).pipe(Effect.provide(lookups(both))))

  it.effect("the same bare one everywhere is that one error", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* failing(() => bare))
      expect(error !== undefined && Option.isSome(error) && Object.getPrototypeOf(error.value)).toBe(null)
    }).pipe(Effect.provide(lookups(both))))
})

describe("HappyEyeballs.connectWith: bad arguments fail before any dial", () => {
  const cases: ReadonlyArray<[string, Partial<HappyEyeballs.ConnectOptions<string, DialFailure, never>>, string]> = [
    ["port 0", { port: 0 }, "port"],
    ["port 65536", { port: 65536 }, "port"],
    ["port 1.5", { port: 1.5 }, "port"],
    ["port 'http'", { port: "http" }, "port"],
    ["empty host", { host: "" }, "host"],
    ["a blank host", { host: " \t " }, "host"],
    ["a host that is no string", { host: 443 as never }, "host"],
    ["a host holding a NUL, which a resolver reads as its end", { host: "example.test\u0000.evil.example" }, "host"],
    ["a host holding another control character", { host: "example.test\n" }, "host"],
    ["a host holding a C1 control character", { host: "example\u0085.test" }, "host"],
    ["a name over 253 characters", { host: `${"a".repeat(63)}.`.repeat(4) + "test" }, "253"],
    ["a label over 63 characters", { host: `${"a".repeat(64)}.test` }, "63"],
    ["family 5", { family: 5 as never }, "family"],
    ["a local address that is a name", { localAddrs: [{ address: "localhost" }] }, "localAddrs"],
    ["a local port out of range", { localAddrs: [{ address: "::1", port: 70000 }] }, "port"],
    ["a negative delay", { delay: -1 }, "delay"],
    ["a NaN delay", { delay: NaN }, "delay"],
    ["a negative delay as text", { delay: "-5 millis" }, "delay"],
    ["firstAddressFamilyCount 0", {
      resolver: (h, p, o) => Resolver.concurrentResolver(h, p, { ...o, firstAddressFamilyCount: 0 })
    }, "firstAddressFamilyCount"],
    ["negative hints", {
      resolver: (h, p, o) => Resolver.concurrentResolver(h, p, { ...o, hints: -1 })
    }, "hints"]
  ]
  for (const [name, options, mentions] of cases) {
    it.effect(name, () =>
      Effect.gen(function*() {
        const { exit, log } = yield* scenario(both, {}, options)
        const error = failureOf(exit) as { value: Error & { _tag: string } }
        expect(error.value._tag).toBe("IllegalArgumentException")
        expect(error.value.message).toContain(mentions)
        expect(log).toEqual([])
      }))
  }

  it.effect("a message shows at most the first 40 characters of what it rejects", () =>
    Effect.gen(function*() {
      const port = "9".repeat(100_000)
      const { exit } = yield* scenario(both, {}, { port })
      const error = failureOf(exit) as { value: Error }
      expect(error.value.message).toBe(`port must be an integer from 1 to 65535, got "${"9".repeat(39)}…`)
      const host = yield* scenario(both, {}, { host: `${"a".repeat(100)}\u0000` })
      expect((failureOf(host.exit) as { value: Error }).value.message).toBe(
        `host must not hold control characters, got "${"a".repeat(39)}…`
      )
      const odd = yield* scenario(both, {}, { port: BigInt(1) as never })
      expect((failureOf(odd.exit) as { value: Error }).value.message).toBe(
        "port must be an integer from 1 to 65535, got 1"
      )
    }))

  it.effect("a name of 253 characters and a trailing dot, an IPv6 literal with a zone are fine", () =>
    Effect.gen(function*() {
      const longest = `${`${"a".repeat(63)}.`.repeat(3)}${"a".repeat(61)}.`
      expect(longest.length).toBe(254)
      const { exit } = yield* scenario(both, { [v6(1).address]: { after: 0, ok: true } }, { host: longest })
      expect(exit).toEqual(Exit.succeed(v6(1).address))
      const zoned = yield* scenario({}, { "fe80::1%eth0": { after: 0, ok: true } }, { host: "fe80::1%eth0" })
      expect(zoned.exit).toEqual(Exit.succeed("fe80::1%eth0"))
    }))

  it.effect("a numeric string port and an IPv6 zone local address are fine", () =>
    Effect.gen(function*() {
      const { exit } = yield* scenario(both, { [v6(1).address]: { after: 0, ok: true } }, {
        port: "8443",
        localAddrs: [{ address: "fe80::1%eth0" }]
      })
      expect(exit).toEqual(Exit.succeed(`${v6(1).address}<-fe80::1%eth0`))
    }))
})
