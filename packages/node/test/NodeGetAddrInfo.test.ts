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
import * as Dns from "node:dns"
import * as Fs from "node:fs"
import { sortAnswer } from "../src/internal/sourceAddress.js"
import { dnsServer } from "./support/dnsServer.js"
import { activeResources, dualServers, eventually } from "./support/servers.js"

const lookup = (host: string, family: 0 | 4 | 6) =>
  Effect.flatMap(GetAddrInfo.GetAddrInfo, (gai) => gai.lookup(host, 80, { family }))

const resolveErrorOf = <A, R>(effect: Effect.Effect<A, GetAddrInfo.ResolveError, R>) => Effect.flip(effect)

/**
 * A name that /etc/hosts gives an IPv4 address and no IPv6 one (`localhost` where `::1` is
 * not listed for it), with that address; `undefined` when it lists none.
 */
const ipv4OnlyHostsName = ((): { readonly name: string; readonly address: string } | undefined => {
  const entries = Fs.readFileSync("/etc/hosts", "utf8").split("\n").map((line) =>
    line.replace(/#.*/, "").trim().split(/\s+/)
  )
  const withIPv6 = new Set(entries.filter(([address]) => address?.includes(":")).flatMap(([, ...names]) => names))
  for (const [address, ...names] of entries) {
    const name = address?.includes(".") ? names.find((n) => !withIPv6.has(n)) : undefined
    if (name !== undefined) return { name, address }
  }
  return undefined
})()

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

  // Without V4MAPPED, getaddrinfo finds no IPv6 address for such a name in /etc/hosts and
  // asks DNS, so only the lookup with the flag is made: /etc/hosts answers it.
  it.effect.skipIf(ipv4OnlyHostsName === undefined)(
    "a resolver's hints reach getaddrinfo: V4MAPPED answers an IPv4-only name as IPv4-mapped IPv6",
    () =>
      Effect.gen(function*() {
        if (ipv4OnlyHostsName === undefined) return
        const { address, name } = ipv4OnlyHostsName
        const found = yield* Resolver.basicResolver(name, 80, { family: 6, hints: Dns.V4MAPPED }).pipe(
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray)
        )
        expect(found).toEqual([{ family: 6, address: `::ffff:${address}`, port: 80 }])
      }).pipe(Effect.provide(NodeGetAddrInfo.layer))
  )

  it.effect("hints that dns.lookup would reject are a defect naming them", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.flatMap(GetAddrInfo.GetAddrInfo, (gai) => gai.lookup("localhost", 80, { family: 0, hints: 64 }))
      )
      expect(exit).toEqual(
        Exit.die(
          new Cause.IllegalArgumentException(
            "NodeGetAddrInfo.layer: hints must combine dns.ADDRCONFIG, dns.V4MAPPED and dns.ALL, got 64"
          )
        )
      )
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
  "silent.test": { silent: true },
  // In an order RFC 6724 changes, whatever this host's routes: 127.0.0.1 has a smaller scope
  // than 198.51.100.1 (rule 8), or 198.51.100.1 has no route (rule 1); ::1 has the highest
  // precedence (rule 6), and fe80::1 without a zone has no route (the connect fails EINVAL).
  "unsorted.test": { A: ["198.51.100.1", "127.0.0.1"], AAAA: ["fe80::1", "::1"] },
  "unsorted-both.test": { A: ["127.0.0.1"], AAAA: ["fe80::1"] }
}

/**
 * Waits until this process has `n` UDP sockets open. A closed socket leaves the list when
 * libuv has finished closing it: the earlier tests' DNS servers may still be in it for a
 * moment, and a lookup's sockets after it returns.
 */
const udpSocketsBackTo = (n: number) =>
  eventually(Effect.sync(() => (activeResources().UDPWrap ?? 0) === n || undefined))

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

  // Each lookup's addresses, sorted and in the server's order. Family 0 sorts both families
  // together, as getaddrinfo does; in the server's order IPv6 comes first.
  const orders = [
    { host: "unsorted.test", family: 4, sorted: ["127.0.0.1", "198.51.100.1"], server: ["198.51.100.1", "127.0.0.1"] },
    { host: "unsorted.test", family: 6, sorted: ["::1", "fe80::1"], server: ["fe80::1", "::1"] },
    { host: "unsorted-both.test", family: 0, sorted: ["127.0.0.1", "fe80::1"], server: ["fe80::1", "127.0.0.1"] }
  ] as const

  for (const sort of [undefined, false]) {
    const name = sort === undefined ?
      "by default each answer is sorted as getaddrinfo sorts it (RFC 6724)" :
      "sort: false keeps the server's order"
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const dns = yield* dnsServer(zone)
        const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server], sort })
        for (const order of orders) {
          const found = yield* lookup(order.host, order.family).pipe(Effect.provide(layer))
          expect(found.map((a) => a.address)).toEqual(sort === false ? order.server : order.sorted)
        }
      }))
  }

  it.scopedLive("finding the sources leaves no UDP socket open, reachable or not", () =>
    Effect.gen(function*() {
      const dns = yield* dnsServer(zone)
      yield* udpSocketsBackTo(1) // the DNS server's
      const layer = NodeGetAddrInfo.layerDns({ servers: [dns.server] })
      yield* Effect.all([lookup("unsorted.test", 0), lookup("unsorted.test", 4), lookup("unsorted.test", 6)], {
        concurrency: "unbounded"
      }).pipe(Effect.provide(layer))
      yield* udpSocketsBackTo(1)
    }))

  it.live("an interrupted sort closes every socket it opened", () =>
    Effect.gen(function*() {
      yield* udpSocketsBackTo(0)
      const answer = Array.from(
        { length: 20 },
        (_, i) => ({ family: 4 as const, address: `127.0.0.${i + 1}`, port: 80 })
      )
      const fiber = yield* Effect.fork(sortAnswer(answer))
      yield* Effect.yieldNow()
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      yield* udpSocketsBackTo(0)
    }))

  it.effect("sort that is not a boolean is a defect that names it", () =>
    Effect.gen(function*() {
      const bad: ReadonlyArray<readonly [NodeGetAddrInfo.DnsOptions, string]> = [
        [{ sort: "yes" as never }, "sort must be true or false, got yes"]
      ]
      for (const [options, message] of bad) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(NodeGetAddrInfo.layerDns(options))))
        expect(exit).toEqual(Exit.die(new Cause.IllegalArgumentException(`NodeGetAddrInfo.layerDns: ${message}`)))
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
