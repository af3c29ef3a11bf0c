import { AddrInfo } from "@effect-stagger/core"
import { describe, expect, it } from "vitest"

/** A destination and the source the system would use for it (`undefined`: unreachable). */
type Row = readonly [destination: string, source: string | undefined]

interface Case {
  readonly name: string
  readonly rows: ReadonlyArray<Row>
  readonly sorted: ReadonlyArray<string>
}

const destination = (address: string): AddrInfo.AddrInfo => ({
  family: address.includes(":") ? 6 : 4,
  address,
  port: 443
})

/** Sorts the rows' destinations with their sources, and gives back the addresses. */
const sort = (rows: ReadonlyArray<Row>): ReadonlyArray<string> => {
  const sources = new Map(rows)
  const sorted = AddrInfo.sortByRfc6724(rows.map(([d]) => destination(d)), (d) => sources.get(d.address))
  return sorted.map((d) => d.address)
}

/**
 * RFC 6724 section 10.2: seven of its nine examples (the other two follow), each with the
 * source that section 5 picks for each destination (the RFC's "(src ...)"). The RFC lists each
 * pair in one order; a rule decides them, so the result is the same from either order.
 */
const section10_2: ReadonlyArray<Case> = [
  {
    name: "prefer matching scope (rule 2): the IPv4 destination's source is link-local",
    rows: [["2001:db8:1::1", "2001:db8:1::2"], ["198.51.100.121", "169.254.13.78"]],
    sorted: ["2001:db8:1::1", "198.51.100.121"]
  },
  {
    name: "prefer matching scope (rule 2): the IPv6 destination's source is link-local",
    rows: [["2001:db8:1::1", "fe80::1"], ["198.51.100.121", "198.51.100.117"]],
    sorted: ["198.51.100.121", "2001:db8:1::1"]
  },
  {
    name: "prefer higher precedence (rule 6): IPv6 40 over IPv4 35",
    rows: [["2001:db8:1::1", "2001:db8:1::2"], ["10.1.2.3", "10.1.2.4"]],
    sorted: ["2001:db8:1::1", "10.1.2.3"]
  },
  {
    name: "prefer smaller scope (rule 8)",
    rows: [["2001:db8:1::1", "2001:db8:1::2"], ["fe80::1", "fe80::2"]],
    sorted: ["fe80::1", "2001:db8:1::1"]
  },
  {
    name: "longest matching prefix (rule 9): 64 bits against 40",
    rows: [["2001:db8:1::1", "2001:db8:1::2"], ["2001:db8:3ffe::1", "2001:db8:3f44::2"]],
    sorted: ["2001:db8:1::1", "2001:db8:3ffe::1"]
  },
  {
    name: "prefer matching label (rule 5): both from a 6to4 source, only 6to4 matches it",
    rows: [["2002:c633:6401::1", "2002:c633:6401::2"], ["2001:db8:1::1", "2002:c633:6401::2"]],
    sorted: ["2002:c633:6401::1", "2001:db8:1::1"]
  },
  {
    name: "prefer higher precedence (rule 6): native IPv6 40 over 6to4 30",
    rows: [["2002:c633:6401::1", "2002:c633:6401::2"], ["2001:db8:1::1", "2001:db8:1::2"]],
    sorted: ["2001:db8:1::1", "2002:c633:6401::1"]
  }
]

/**
 * The two examples of section 10.2 that rules 3 and 4 decide: "prefer home address" (source
 * 2001:db8:3::1 is a mobile home address) and "avoid deprecated addresses" (source fe80::2 is
 * deprecated). The RFC's result is 2001:db8:1::1 first in both. A source address does not say
 * it is deprecated or a home address, so those rules are not applied and rule 8 decides:
 * fe80::1 first, as a `getaddrinfo` that cannot see them would have it.
 */
const section10_2WithoutRules3And4: ReadonlyArray<Case & { readonly rfc: ReadonlyArray<string> }> = [
  {
    name: "prefer home address (rule 4)",
    rows: [["2001:db8:1::1", "2001:db8:3::1"], ["fe80::1", "fe80::2"]],
    rfc: ["2001:db8:1::1", "fe80::1"],
    sorted: ["fe80::1", "2001:db8:1::1"]
  },
  {
    name: "avoid deprecated addresses (rule 3)",
    rows: [["2001:db8:1::1", "2001:db8:1::2"], ["fe80::1", "fe80::2"]],
    rfc: ["2001:db8:1::1", "fe80::1"],
    sorted: ["fe80::1", "2001:db8:1::1"]
  }
]

describe("AddrInfo.sortByRfc6724: RFC 6724 section 10.2", () => {
  it.each(section10_2)("$name", ({ rows, sorted }) => {
    expect(sort(rows)).toEqual(sorted)
    expect(sort([...rows].reverse())).toEqual(sorted)
  })

  it.each(section10_2WithoutRules3And4)("$name: needs data a source address lacks; rule 8 decides", (c) => {
    expect(sort(c.rows)).toEqual(c.sorted)
    expect(sort([...c.rows].reverse())).toEqual(c.sorted)
    expect(c.sorted).not.toEqual(c.rfc)
  })
})

const rules: ReadonlyArray<Case> = [
  {
    name: "rule 1: a destination without a source sorts last, whatever the later rules say",
    rows: [["::1", undefined], ["2001:db8::1", "2001:db8::2"], ["192.0.2.1", "192.0.2.2"]],
    sorted: ["2001:db8::1", "192.0.2.1", "::1"]
  },
  {
    name: "rule 1: unreachable destinations keep their order among themselves",
    rows: [["2001:db8::1", undefined], ["::1", "::1"], ["fe80::1", undefined], ["192.0.2.1", undefined]],
    sorted: ["::1", "2001:db8::1", "fe80::1", "192.0.2.1"]
  },
  {
    name: "rule 1: a source that is no IP literal counts as none",
    rows: [["2001:db8::1", "eth0"], ["192.0.2.1", "192.0.2.2"]],
    sorted: ["192.0.2.1", "2001:db8::1"]
  },
  {
    name: "rule 6: IPv6 loopback (50) before IPv4 loopback (35)",
    rows: [["127.0.0.1", "127.0.0.1"], ["::1", "::1"]],
    sorted: ["::1", "127.0.0.1"]
  },
  {
    name: "rule 6: IPv4 (35) before a unique local address (3)",
    rows: [["fd00::1", "fd00::2"], ["192.0.2.1", "192.0.2.2"]],
    sorted: ["192.0.2.1", "fd00::1"]
  },
  {
    name: "rule 6: IPv4 (35) before Teredo (5)",
    rows: [["2001:0:4136:e378::1", "2001:0:4136:e378::2"], ["192.0.2.1", "192.0.2.2"]],
    sorted: ["192.0.2.1", "2001:0:4136:e378::1"]
  },
  {
    name: "rule 5: a global IPv6 destination from a unique local source loses its label to IPv4",
    rows: [["2001:db8::1", "fd00::2"], ["192.0.2.1", "192.0.2.2"]],
    sorted: ["192.0.2.1", "2001:db8::1"]
  },
  {
    name: "rule 8: IPv4 loopback (link-local scope) before a global IPv4 address",
    rows: [["198.51.100.1", "192.0.2.2"], ["127.0.0.1", "127.0.0.1"]],
    sorted: ["127.0.0.1", "198.51.100.1"]
  },
  {
    name: "rule 8: 169.254/16 is link-local",
    rows: [["198.51.100.1", "198.51.100.2"], ["169.254.1.1", "169.254.1.2"]],
    sorted: ["169.254.1.1", "198.51.100.1"]
  },
  {
    name: "rule 8: site-local fec0::/10 before global at the same precedence (1)",
    rows: [["3ffe::1", "3ffe::2"], ["fec0::1", "fec0::2"]],
    sorted: ["fec0::1", "3ffe::1"]
  },
  {
    name: "rule 8: IPv6 multicast by its scope field",
    rows: [["ff0e::1", "2001:db8::2"], ["ff02::1", "fe80::2"]],
    sorted: ["ff02::1", "ff0e::1"]
  },
  {
    name: "rule 9: counted up to the source's 64-bit prefix, so 127 and 124 common bits tie",
    rows: [["2001:db8::1", "2001:db8::9"], ["2001:db8::8", "2001:db8::9"]],
    sorted: ["2001:db8::1", "2001:db8::8"]
  },
  {
    name: "rule 9 is not applied to IPv4: round-robin answers keep the server's order",
    rows: [
      ["54.83.193.112", "10.2.3.4"],
      ["184.72.238.214", "10.2.3.4"],
      ["23.23.172.185", "10.2.3.4"],
      ["75.101.148.21", "10.2.3.4"],
      ["23.23.134.56", "10.2.3.4"]
    ],
    sorted: ["54.83.193.112", "184.72.238.214", "23.23.172.185", "75.101.148.21", "23.23.134.56"]
  },
  {
    name: "rule 10: ties keep their order",
    rows: [["2001:db8::2", "2001:db8::9"], ["2001:db8::1", "2001:db8::9"], ["2001:db8::3", "2001:db8::9"]],
    sorted: ["2001:db8::2", "2001:db8::1", "2001:db8::3"]
  }
]

const literals: ReadonlyArray<Case> = [
  {
    name: "zones are ignored: fe80::1%eth0 is link-local, and keeps its zone",
    rows: [["2001:db8::1", "2001:db8::2"], ["fe80::1%eth0", "fe80::2%eth0"]],
    sorted: ["fe80::1%eth0", "2001:db8::1"]
  },
  {
    name: "IPv4 written as IPv4-mapped IPv6 is IPv4: ::ffff:127.0.0.1 is link-local",
    rows: [["::ffff:198.51.100.1", "::ffff:192.0.2.2"], ["::ffff:127.0.0.1", "127.0.0.1"]],
    sorted: ["::ffff:127.0.0.1", "::ffff:198.51.100.1"]
  },
  {
    name: "full and compressed forms read alike: 0:0:0:0:0:0:0:1 is loopback",
    rows: [["127.0.0.1", "127.0.0.1"], ["0:0:0:0:0:0:0:1", "::1"]],
    sorted: ["0:0:0:0:0:0:0:1", "127.0.0.1"]
  },
  {
    name: "a destination that is no IP literal is unusable",
    rows: [["example.com", "192.0.2.2"], ["192.0.2.1", "192.0.2.2"]],
    sorted: ["192.0.2.1", "example.com"]
  }
]

describe("AddrInfo.sortByRfc6724: each rule, and the literals it reads", () => {
  it.each([...rules, ...literals])("$name", ({ rows, sorted }) => {
    expect(sort(rows)).toEqual(sorted)
  })
})

describe("AddrInfo.sortByRfc6724", () => {
  it("returns a new array of the same entries, the input untouched, asking each source once", () => {
    const input = [destination("192.0.2.1"), destination("::1")]
    const asked: Array<string> = []
    const sorted = AddrInfo.sortByRfc6724(input, (d) => {
      asked.push(d.address)
      return d.address
    })
    expect(sorted).toEqual([input[1], input[0]])
    expect(sorted[0]).toBe(input[1])
    expect(input.map((d) => d.address)).toEqual(["192.0.2.1", "::1"])
    expect(asked.sort()).toEqual(["192.0.2.1", "::1"])
  })

  it("no destination, or one", () => {
    expect(AddrInfo.sortByRfc6724([], () => undefined)).toEqual([])
    expect(AddrInfo.sortByRfc6724([destination("::1")], () => undefined)).toEqual([destination("::1")])
  })
})
