import { GetAddrInfo, Resolver } from "@effect-stagger/core"
import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { dnsServer } from "./support/dnsServer.js"
import { dualServers, eventually } from "./support/servers.js"

const lookup = (host: string, family: 0 | 4 | 6) =>
  Effect.flatMap(GetAddrInfo.GetAddrInfo, (gai) => gai.lookup(host, 80, { family }))

const resolveErrorOf = <A, R>(effect: Effect.Effect<A, GetAddrInfo.ResolveError, R>) => Effect.flip(effect)

describe("NodeGetAddrInfo.layer", () => {
  // Only names the system answers from /etc/hosts, and literals: nothing leaves the machine.
  it.effect("localhost, IPv4", () =>
    Effect.gen(function*() {
      const addresses = yield* lookup("localhost", 4)
      expect(addresses).toContainEqual({ family: 4, address: "127.0.0.1", port: 80 })
      expect(addresses.every((a) => a.family === 4)).toBe(true)
    }).pipe(Effect.provide(NodeGetAddrInfo.layer)))

  it.effect("an IP literal answers itself, in its own family only", () =>
    Effect.gen(function*() {
      expect(yield* lookup("127.0.0.1", 0)).toEqual([{ family: 4, address: "127.0.0.1", port: 80 }])
      expect(yield* lookup("::1", 0)).toEqual([{ family: 6, address: "::1", port: 80 }])
      // dns.lookup answers 127.0.0.1 when asked for IPv6; it is not an IPv6 address.
      expect(yield* lookup("127.0.0.1", 6)).toEqual([])
      expect(yield* lookup("::1", 4)).toEqual([])
    }).pipe(Effect.provide(NodeGetAddrInfo.layer)))

  it.effect("the resolvers turn a literal of the wrong family into a ResolveError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runCollect(Resolver.basicResolver("127.0.0.1", 80, { family: 6 })))
      expect(error._tag).toBe("ResolveError")
    }).pipe(Effect.provide(NodeGetAddrInfo.layer)))

  it.effect("a failure is a ResolveError with the system's code", () =>
    Effect.gen(function*() {
      // Empty labels: getaddrinfo rejects the name without sending a query.
      const host = ".."
      const error = yield* resolveErrorOf(lookup(host, 4))
      expect(error).toMatchObject({ _tag: "ResolveError", host, family: 4 })
      expect(typeof error.code).toBe("string")
      expect(error.message).toBe(
        `getaddrinfo ${error.code} ${host}${error.code === "ENOTFOUND" ? " (no such domain name)" : ""}`
      )
      expect(error.cause).toBeInstanceOf(Error)
    }).pipe(Effect.provide(NodeGetAddrInfo.layer)))

  it.effect("a host that getaddrinfo would cut short or misread is a ResolveError, not looked up", () =>
    Effect.gen(function*() {
      // getaddrinfo reads a C string: this one would answer 127.0.0.1, as localhost.
      const hosts = ["localhost\u0000.evil.example", "localhost\r\n", `${"a".repeat(64)}.test`, " "]
      for (const host of hosts) {
        const error = yield* resolveErrorOf(lookup(host, 0))
        expect(error).toMatchObject({ _tag: "ResolveError", host, family: 0 })
        expect(error.code).toBeUndefined()
        expect(error.message).toMatch(/^getaddrinfo refused the host: host/)
        expect(error.cause).toBeInstanceOf(Cause.IllegalArgumentException)
      }
    }).pipe(Effect.provide(NodeGetAddrInfo.layer)))
})

const zone = {
  "both.test": { A: ["127.0.0.1"], AAAA: ["::1"] },
  "v4only.test": { A: ["127.0.0.1", "127.0.0.2"] },
  "slow6.test": { A: ["127.0.0.1"], AAAA: ["::1"], delay: { AAAA: 100 } },
  "silent.test": { silent: true }
}

describe("NodeGetAddrInfo.layerDns", () => {
  it.scopedLive("AAAA and A are separate queries; family 0 asks both, IPv6 first", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      const result = yield* Effect.all([lookup("both.test", 6), lookup("both.test", 4), lookup("both.test", 0)]).pipe(
        Effect.provide(layer)
      )
      expect(result).toEqual([
        [{ family: 6, address: "::1", port: 80 }],
        [{ family: 4, address: "127.0.0.1", port: 80 }],
        [{ family: 6, address: "::1", port: 80 }, { family: 4, address: "127.0.0.1", port: 80 }]
      ])
      expect([...dns.queries].sort()).toEqual(["both.test A", "both.test A", "both.test AAAA", "both.test AAAA"])
    }))

  it.scopedLive("no record of the family: ENODATA; family 0 is the family that answered", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      const error = yield* resolveErrorOf(lookup("v4only.test", 6)).pipe(Effect.provide(layer))
      expect(error).toMatchObject({ code: "ENODATA", host: "v4only.test", family: 6 })
      expect(error.message).toBe("DNS query ENODATA v4only.test (no address of that family)")
      expect(yield* lookup("v4only.test", 0).pipe(Effect.provide(layer))).toEqual([
        { family: 4, address: "127.0.0.1", port: 80 },
        { family: 4, address: "127.0.0.2", port: 80 }
      ])
    }))

  it.scopedLive("NXDOMAIN: ENOTFOUND; both families failing alike is one ResolveError holding both", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      const error = yield* resolveErrorOf(lookup("nowhere.test", 0)).pipe(Effect.provide(layer))
      expect(error).toMatchObject({
        code: "ENOTFOUND",
        family: 0,
        message: "DNS query ENOTFOUND nowhere.test (no such domain name)"
      })
      expect(error.errors?.map((e) => e.family)).toEqual([6, 4])
    }))

  it.scopedLive("an IP literal answers itself without a query", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      expect(yield* lookup("::1", 0).pipe(Effect.provide(layer))).toEqual([{ family: 6, address: "::1", port: 80 }])
      expect(yield* lookup("::1", 4).pipe(Effect.provide(layer))).toEqual([])
      expect(dns.queries).toEqual([])
    }))

  it.scopedLive("a host that c-ares would cut short is a ResolveError, and no query is sent", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      for (const family of [0, 4, 6] as const) {
        const error = yield* resolveErrorOf(lookup("both.test\u0000.evil.example", family)).pipe(Effect.provide(layer))
        expect(error).toMatchObject({ _tag: "ResolveError", host: "both.test\u0000.evil.example", family })
        expect(error.message).toMatch(/^DNS query refused the host: host must not hold control characters/)
      }
      expect(dns.queries).toEqual([])
    }))

  it.scopedLive("a server that never answers: ETIMEOUT after the tries", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server], timeout: "20 millis", tries: 2 })
      const error = yield* resolveErrorOf(lookup("silent.test", 4)).pipe(Effect.provide(layer))
      expect(error.code).toBe("ETIMEOUT")
      expect(dns.queries).toEqual(["silent.test A", "silent.test A"])
    }))

  it.scopedLive("interrupting a lookup cancels its queries: no more tries are sent", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server], timeout: "100 millis", tries: 5 })
      const fiber = yield* Effect.fork(lookup("silent.test", 6).pipe(Effect.provide(layer)))
      yield* eventually(Effect.sync(() => dns.queries.length > 0 || undefined))
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      // Uncancelled, c-ares would try again after 100 ms.
      yield* Effect.sleep("400 millis")
      expect(dns.queries).toEqual(["silent.test AAAA"])
    }))

  it.scopedLive("the concurrent resolver's Resolution Delay waits for a real AAAA answer", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      const order = (resolutionDelay: Duration.DurationInput) =>
        Resolver.concurrentResolver("slow6.test", 80, { resolutionDelay }).pipe(
          Stream.map((a) => a.address),
          Stream.runCollect,
          Effect.map(Chunk.toArray),
          Effect.provide(layer)
        )
      // AAAA answers 100 ms after A: within a 5 s delay IPv6 goes first, past a 10 ms one it comes second.
      expect(yield* order("5 seconds")).toEqual(["::1", "127.0.0.1"])
      expect(yield* order("10 millis")).toEqual(["127.0.0.1", "::1"])
    }))

  it.scopedLive("end to end: a name from the DNS server, raced over both families", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const { port } = yield* dualServers({ v6: "refused", v4: "echo" })
      const socket = yield* NodeHappyEyeballs.createConnectedSock("both.test", port).pipe(
        Effect.provide(NodeGetAddrInfo.layerDns({ servers: [dns.server] }))
      )
      expect(socket.remoteAddress).toBe("127.0.0.1")
    }))

  it.effect("bad options are a defect when the layer is built, with a short message naming the option", () =>
    Effect.gen(function*() {
      const bad: Array<[NodeGetAddrInfo.DnsOptions, string]> = [
        [{ tries: 0 }, "tries must be an integer from 1 to 16, got 0"],
        [{ tries: 2 ** 31 }, "tries must be an integer from 1 to 16, got 2147483648"],
        [{ tries: 1.5 }, "tries must be an integer from 1 to 16, got 1.5"],
        [{ timeout: "soon" as never }, "timeout must be a duration of more than 0 and at most 1 minute, got \"soon\""],
        [{ timeout: "30 days" }, "timeout must be a duration of more than 0 and at most 1 minute, got \"30 days\""],
        [{ timeout: NaN }, "timeout must be a duration of more than 0 and at most 1 minute, got NaN"],
        [{ timeout: -5 }, "timeout must be a duration of more than 0 and at most 1 minute, got -5"],
        [{ timeout: 0 }, "timeout must be a duration of more than 0 and at most 1 minute, got 0"],
        [{ servers: [] }, "servers must be a non-empty array (leave it out for the system's), got []"],
        [{ servers: ["not a server"] }, "servers: \"not a server\" is not an IP address, optionally with a port"],
        [
          { servers: ["127.0.0.1", "x".repeat(1000)] },
          `servers: "${"x".repeat(39)}… is not an IP address, optionally with a port`
        ]
      ]
      for (const [options, message] of bad) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(NodeGetAddrInfo.layerDns(options))))
        const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : undefined
        expect(defect).toMatchObject({ _tag: "Some", value: { _tag: "IllegalArgumentException" } })
        expect((defect as { value: Error }).value.message).toBe(`NodeGetAddrInfo.layerDns: ${message}`)
      }
    }))

  it.scopedLive("the limits themselves are fine: 1 minute, 16 tries; a timeout under 1 ms rounds up", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      const longest = NodeGetAddrInfo.layerDns({ servers: [dns.server], timeout: "1 minute", tries: 16 })
      expect(yield* lookup("both.test", 4).pipe(Effect.provide(longest))).toEqual([
        { family: 4, address: "127.0.0.1", port: 80 }
      ])
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(NodeGetAddrInfo.layerDns({ timeout: "0.5 millis" }))))
      expect(Exit.isSuccess(exit)).toBe(true)
    }))
})
