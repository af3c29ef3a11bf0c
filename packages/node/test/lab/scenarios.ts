/**
 * The lab scenarios: the paths of REFERENCE.md §3 (A to G) and two more, as data.
 *
 * Why: tests and benchmarks must measure the same situations, and the numbers they are judged
 * against (RFC 8305's ideal with a 250 ms connection attempt delay and a 50 ms resolution
 * delay, and what Node's own `autoSelectFamily` does) belong next to the situation itself.
 *
 * Every scenario connects to `host` (`svc.lab`) through the lab DNS, which answers both A and
 * AAAA, on `port`. IPv6 server addresses are 2001:db8:1::10, ::11, ...; IPv4 ones are
 * 198.18.0.10, .11, ... The lab DNS returns them in that order and the client's getaddrinfo
 * keeps it (IPv6 before IPv4, then config order), so with First Address Family Count 1 the
 * attempt order is 1st IPv6, 1st IPv4, 2nd IPv6, 2nd IPv4, ...
 */
import type * as Lab from "./Lab.js"

/** One scenario. */
export interface Scenario {
  /** Short key: "A" .. "G", "F2", "H", "I". */
  readonly key: string
  readonly title: string
  readonly config: Lab.LabConfig
  /** The name to connect to; the lab DNS answers it. */
  readonly host: string
  readonly port: number
  /** Local addresses to bind (one per family), for the local binding scenario. */
  readonly localAddresses?: ReadonlyArray<string>
  /** The `localAddress` that baseline.mjs (Node, one local address only) is given. */
  readonly baselineLocalAddress?: string
  /** What RFC 8305 would do (250 ms attempt delay, 50 ms resolution delay). */
  readonly ideal: {
    /** The address that should win. */
    readonly winner: string
    /** Time from the start of the connect to the winning connection, in ms. */
    readonly ms: number
  }
  /**
   * Node's `net.connect({ autoSelectFamily: true })` (250 ms attempt timeout), median of 3:
   * time to `connect` (or to the error) in ms and the winner (`null`: it failed, see `note`).
   * REFERENCE.md §3 for A to G; measured with validate.ts for H and I (docs/lab.md).
   */
  readonly nodeAuto: { readonly ms: number; readonly winner: string | null; readonly note?: string }
}

/** The echo server's port in every scenario. */
export const port = 8080

/** The name every scenario resolves. */
export const host = "svc.lab"

/** The n-th (0-based) IPv6 server address: 2001:db8:1::10, ::11, ... */
export const v6 = (n: number): string => `2001:db8:1::${(0x10 + n).toString(16)}`

/** The n-th (0-based) IPv4 server address: 198.18.0.10, .11, ... */
export const v4 = (n: number): string => `198.18.0.${10 + n}`

/** Extra client addresses for binding, of the local binding scenario. */
export const clientV4 = "198.18.1.100"
export const clientV6 = "2001:db8:2::100"

interface ServerSpec {
  readonly behaviour?: Lab.Behaviour
  readonly delayMs?: number
}

const ok: ServerSpec = { behaviour: "ok" }
const drop: ServerSpec = { behaviour: "drop" }
const reset: ServerSpec = { behaviour: "reset" }
const delay = (delayMs: number): ServerSpec => ({ behaviour: "ok", delayMs })

/**
 * A lab config with the given IPv6 and IPv4 servers, in order, and `svc.lab` answering all
 * of them.
 */
export const labConfig = (
  ipv6: ReadonlyArray<ServerSpec>,
  ipv4: ReadonlyArray<ServerSpec>,
  dns?: { readonly aDelayMs?: number; readonly aaaaDelayMs?: number },
  clientAddresses?: ReadonlyArray<string>
): Lab.LabConfig => {
  const servers = [
    ...ipv6.map((spec, i) => ({ address: v6(i), ...spec })),
    ...ipv4.map((spec, i) => ({ address: v4(i), ...spec }))
  ]
  const config: Lab.LabConfig = {
    port,
    servers,
    dns: {
      names: {
        [host]: {
          A: ipv4.map((_, i) => v4(i)),
          AAAA: ipv6.map((_, i) => v6(i)),
          aDelayMs: dns?.aDelayMs ?? 0,
          aaaaDelayMs: dns?.aaaaDelayMs ?? 0
        },
        [`v4.${host}`]: { A: ipv4.map((_, i) => v4(i)) },
        [`v6.${host}`]: { AAAA: ipv6.map((_, i) => v6(i)) }
      }
    }
  }
  return clientAddresses === undefined ? config : { ...config, clientAddresses }
}

const scenario = (
  key: string,
  title: string,
  config: Lab.LabConfig,
  ideal: Scenario["ideal"],
  nodeAuto: Scenario["nodeAuto"],
  local?: { readonly addresses: ReadonlyArray<string>; readonly baseline: string }
): Scenario => {
  const base: Scenario = { key, title, config, host, port, ideal, nodeAuto }
  return local === undefined ? base : { ...base, localAddresses: local.addresses, baselineLocalAddress: local.baseline }
}

/** A: all healthy. */
export const A = scenario("A", "all healthy", labConfig([ok], [ok]), { winner: v6(0), ms: 0 }, {
  winner: v6(0),
  ms: 1.4
})

/** B: IPv6 silently dropped. */
export const B = scenario("B", "IPv6 silently dropped", labConfig([drop], [ok]), { winner: v4(0), ms: 250 }, {
  winner: v4(0),
  ms: 254
})

/** C: IPv6 refused (RST). */
export const C = scenario("C", "IPv6 refused (RST)", labConfig([reset], [ok]), { winner: v4(0), ms: 0 }, {
  winner: v4(0),
  ms: 1.4
})

/** D: IPv6 +400 ms, IPv4 +50 ms. */
export const D = scenario(
  "D",
  "IPv6 +400 ms, IPv4 +50 ms",
  labConfig([delay(400)], [delay(50)]),
  { winner: v4(0), ms: 300 },
  { winner: v4(0), ms: 304 }
)

/** E: 3+3 addresses, the first two of each family dropped. */
export const E = scenario(
  "E",
  "3+3 addresses, first two of each dropped",
  labConfig([drop, drop, ok], [drop, drop, ok]),
  { winner: v6(2), ms: 1000 },
  { winner: v6(2), ms: 1008 }
)

/** F: IPv6 +300 ms, IPv4 +350 ms. */
export const F = scenario(
  "F",
  "IPv6 +300 ms, IPv4 +350 ms",
  labConfig([delay(300)], [delay(350)]),
  { winner: v6(0), ms: 300 },
  { winner: v4(0), ms: 604 }
)

/** F2: 3+3 addresses, all +300 ms. */
export const F2 = scenario(
  "F2",
  "3+3 addresses, all +300 ms",
  labConfig([delay(300), delay(300), delay(300)], [delay(300), delay(300), delay(300)]),
  { winner: v6(0), ms: 300 },
  { winner: v4(2), ms: 1561 }
)

/** G: the AAAA answer 200 ms late, A at once. */
export const G = scenario(
  "G",
  "AAAA answer +200 ms, A at once",
  labConfig([ok], [ok], { aaaaDelayMs: 200 }),
  { winner: v4(0), ms: 50 },
  { winner: v6(0), ms: 206 }
)

/**
 * H: local binding (one local address per family), IPv6 silently dropped. A correct client
 * pairs each remote address with the local address of its family. Node takes one
 * `localAddress` and then turns `autoSelectFamily` off: given the IPv4 one, it tries the first
 * address (IPv6) from an IPv4 address and fails at once with EINVAL; given the IPv6 one, it
 * waits on the dropped IPv6 address until the kernel gives up (~130 s).
 */
export const H = scenario(
  "H",
  "local binding, IPv6 silently dropped",
  labConfig([drop], [ok], undefined, [clientV6, clientV4]),
  { winner: v4(0), ms: 250 },
  { winner: null, ms: 1.2, note: "EINVAL: bind 198.18.1.100 for 2001:db8:1::10" },
  { addresses: [clientV6, clientV4], baseline: clientV4 }
)

/** I: 6+6 addresses, the first four of each family refused at once. */
export const I = scenario(
  "I",
  "6+6 addresses, first four of each refused",
  labConfig([reset, reset, reset, reset, ok, ok], [reset, reset, reset, reset, ok, ok]),
  { winner: v6(4), ms: 0 },
  { winner: v6(4), ms: 2.0 }
)

/** Every scenario, in order. */
export const all: ReadonlyArray<Scenario> = [A, B, C, D, E, F, F2, G, H, I]
