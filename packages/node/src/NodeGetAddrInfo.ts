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
 * The system resolver: `dns.lookup(host, { all: true, family, order: "verbatim" })`, that is
 * `getaddrinfo` with no hints, in the order the system sorted the addresses.
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
}

/**
 * Resolves with DNS queries (`node:dns` `Resolver`, that is c-ares) instead of the system
 * resolver.
 *
 * Details
 *
 * AAAA and A are separate queries. `family: 0` runs both in parallel and returns the IPv6
 * addresses first; it fails only when both fail. The concurrent resolver asks for each family
 * on its own, so its Resolution Delay waits for a real AAAA answer. An IP literal answers
 * itself. Interrupting a lookup cancels its queries. Failures are `ResolveError`s with the
 * c-ares `code` (`ENOTFOUND`, `ENODATA`, `ETIMEOUT`, `ECONNREFUSED`, `ESERVFAIL`, ...). A
 * host that `GetAddrInfo.validateHost` refuses is a `ResolveError` without a `code`, and no
 * query is sent.
 * Options that `node:dns` would reject are a defect (`IllegalArgumentException`) when the
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
