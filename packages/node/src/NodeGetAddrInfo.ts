/**
 * `GetAddrInfo` on Node: the system resolver, or DNS queries to chosen servers.
 *
 * The system resolver (`layer`) is what every other program on the machine uses: `/etc/hosts`,
 * nsswitch, the system's address sorting. The concurrent resolver asks it for each family on
 * its own, which is two `getaddrinfo` calls on libuv's thread pool. `layerDns` sends the AAAA
 * and A queries itself, each answered as it arrives, as RFC 8305 section 3 has in mind; it
 * does not read `/etc/hosts`.
 *
 * @since 0.1.0
 */
import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import type * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as internal from "./internal/lookup.js"

/**
 * The system resolver: `dns.lookup(host, { all: true, family, hints, order: "verbatim" })`,
 * that is `getaddrinfo`, in the order the system sorted the addresses (RFC 6724).
 *
 * Details
 *
 * Each address is labelled with the family Node reports, and addresses of a family not asked
 * for are left out: `dns.lookup("127.0.0.1", { family: 6 })` answers the IPv4 literal, which
 * is not an IPv6 address. Failures are `ResolveError`s with the system's `code` (`ENOTFOUND`,
 * `EAI_AGAIN`, `ENODATA`, ...). A lookup cannot be cancelled; an interrupted one is abandoned
 * and its answer dropped. A host that `GetAddrInfo.validateHost` refuses (a NUL would cut it
 * short) is a `ResolveError` without a `code`, and is not looked up.
 *
 * `hints` are what a resolver was given (`Resolver.ResolverOptions`), none by default, as
 * async_stagger's `flags` default to 0: `dns.ADDRCONFIG`, `dns.V4MAPPED`, `dns.ALL`, or their
 * combination. Any other value is a defect (`IllegalArgumentException`) of the lookup.
 *
 * @example
 * ```ts
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect } from "effect"
 *
 * const program = NodeHappyEyeballs.createConnectedSock("localhost", 8080).pipe(
 *   Effect.map((socket) => socket.remoteAddress),
 *   Effect.scoped,
 *   Effect.provide(NodeGetAddrInfo.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<GetAddrInfo.GetAddrInfo> = Layer.succeed(GetAddrInfo.GetAddrInfo, internal.system)

/**
 * Options of `layerDns`.
 *
 * - `servers`: the DNS servers, as `dns.setServers` takes them (`"127.0.0.1"`,
 *   `"[::1]:5353"`), at least one; default the system's (`/etc/resolv.conf`).
 * - `timeout`: how long one try waits for an answer, more than 0 and at most 1 minute (c-ares
 *   counts whole milliseconds, rounded up here); default c-ares's.
 * - `tries`: how many times each server is tried, from 1 to 16 (c-ares doubles the timeout at
 *   each round); default 4, as in `node:dns`.
 * - `sort` (since 0.2.0): `false` leaves each answer in the server's order instead of sorting
 *   it by RFC 6724 as `layer` (the system's `getaddrinfo`) would; default `true`.
 *
 * Any other value is a defect (`IllegalArgumentException`) when the layer is built.
 *
 * @since 0.1.0
 * @category models
 */
export interface DnsOptions {
  readonly servers?: ReadonlyArray<string> | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly tries?: number | undefined
  readonly sort?: boolean | undefined
}

/**
 * Resolves with DNS queries (`node:dns` `Resolver`, that is c-ares) instead of the system
 * resolver.
 *
 * Details
 *
 * AAAA and A are separate queries. `family: 0` runs both in parallel; it fails only when both
 * fail. The concurrent resolver asks for each family on its own, so its Resolution Delay waits
 * for a real AAAA answer. An IP literal answers itself. Interrupting a lookup cancels its
 * queries. `hints` are ignored: they are `getaddrinfo`'s.
 *
 * Each answer is sorted as the system's `getaddrinfo` sorts it (RFC 6724 destination address
 * selection, `AddrInfo.sortByRfc6724`): the source address for each destination is found by
 * connecting a UDP socket to it, which sends no packet, and a destination without a route
 * sorts last. `family: 0` sorts both families together; with `sort: false` answers keep the
 * server's order, IPv6 first.
 *
 * Failures are `ResolveError`s with the c-ares `code` (`ENOTFOUND`, `ENODATA`, `ETIMEOUT`,
 * `ECONNREFUSED`, `ESERVFAIL`, ...). A host that `GetAddrInfo.validateHost` refuses is a
 * `ResolveError` without a `code`, and no query is sent. Options that `node:dns` would reject,
 * and a `sort` that is not a boolean, are a defect (`IllegalArgumentException`) when the
 * layer is built.
 *
 * @example
 * ```ts
 * import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
 * import { Effect } from "effect"
 *
 * const dns = NodeGetAddrInfo.layerDns({ servers: ["9.9.9.9", "2620:fe::fe"], timeout: "1 second", tries: 2 })
 * const program = NodeHappyEyeballs.createConnectedSock("example.com", 443).pipe(
 *   Effect.scoped,
 *   Effect.provide(dns)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDns = (options?: DnsOptions): Layer.Layer<GetAddrInfo.GetAddrInfo> =>
  Layer.effect(GetAddrInfo.GetAddrInfo, internal.dns(options))
