import { AddrInfo } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as net from "node:net"

/**
 * IP literals, valid and not, each with the family Node's `net.isIP` gives it. The table is
 * checked against `net.isIP` itself, so a row that disagrees with Node is a wrong row.
 */
const literals: ReadonlyArray<readonly [string, 0 | 4 | 6]> = [
  // IPv4: dotted quad, decimal, no leading zeros
  ["1.2.3.4", 4],
  ["0.0.0.0", 4],
  ["255.255.255.255", 4],
  ["192.0.2.1", 4],
  ["10.0.0.10", 4],
  ["01.2.3.4", 0],
  ["1.2.3.04", 0],
  ["1.2.3.00", 0],
  ["256.1.1.1", 0],
  ["1.2.3.256", 0],
  ["1.2.3", 0],
  ["1.2.3.4.5", 0],
  ["1..2.3", 0],
  ["1.2.3.", 0],
  [".1.2.3", 0],
  [" 1.2.3.4", 0],
  ["1.2.3.4 ", 0],
  ["1.2.3.-4", 0],
  ["1.2.3.+4", 0],
  ["0x1.2.3.4", 0],
  ["1e1.2.3.4", 0],
  ["1.2.3.4%eth0", 0],
  ["1.2.3.4%", 0],
  ["1.2.3.4:80", 0],
  ["1234.1.1.1", 0],
  // IPv6: full form, `::` anywhere, hex of either case, 1-4 digits per group
  ["::", 6],
  ["::1", 6],
  ["1::", 6],
  ["1:2:3:4:5:6:7:8", 6],
  ["2001:db8::1", 6],
  ["FE80::ABCD", 6],
  ["fE80::aBcD", 6],
  ["0001::", 6],
  ["0:0:0:0:0:0:0:0", 6],
  ["1:2:3:4:5:6::7", 6],
  ["1::2:3:4:5:6:7", 6],
  ["1:2::3:4:5:6:7", 6],
  ["::0:0:0:0:0:0:0", 6],
  ["::1:2:3:4:5:6:7", 6],
  ["1:2:3:4:5:6:7::", 6],
  ["00001::", 0],
  ["fe80::g", 0],
  ["1:2:3:4:5:6:7", 0],
  ["1:2:3:4:5:6:7:8:9", 0],
  ["1:2:3:4:5:6:7::8", 0],
  ["1::2:3:4:5:6:7:8", 0],
  ["1:::2", 0],
  [":::", 0],
  ["::::", 0],
  ["1::2::3", 0],
  [":1::", 0],
  ["1::2:", 0],
  [":1:2:3:4:5:6:7:8", 0],
  ["1:2:3:4:5:6:7:8:", 0],
  ["[::1]", 0],
  ["::1 ", 0],
  // IPv6 with an embedded IPv4 dotted quad in the last 32 bits
  ["::ffff:1.2.3.4", 6],
  ["::1.2.3.4", 6],
  ["1:2:3:4:5:6:1.2.3.4", 6],
  ["a:b:c:d:e:f:1.2.3.4", 6],
  ["::1:2:3:4:5:1.2.3.4", 6],
  ["::ffff:01.2.3.4", 0],
  ["::ffff:1.2.3", 0],
  ["::ffff:256.2.3.4", 0],
  ["::1.2.3.4.5", 0],
  ["1.2.3.4::", 0],
  ["1:2:3:4:5:6:7:1.2.3.4", 0],
  ["::1:2:3:4:5:6:1.2.3.4", 0],
  ["1::1.2.3.4:5", 0],
  // RFC 4007 zone indexes
  ["fe80::1%eth0", 6],
  ["fe80::1%1", 6],
  ["fe80::1%a.b-c", 6],
  ["fe80::1%a:b", 6],
  ["::%eth0", 6],
  ["::ffff:1.2.3.4%eth0", 6],
  ["fe80::1%", 0],
  ["::ffff:1.2.3.4%", 0],
  ["%eth0", 0],
  // not IP literals at all
  ["", 0],
  ["localhost", 0],
  ["example.com", 0],
  ["::ffff:example.com", 0]
]

describe("AddrInfo.ipFamily, isIPv4, isIPv6", () => {
  it("the table agrees with Node's net.isIP", () => {
    expect(literals.map(([text]) => [text, net.isIP(text)])).toEqual(literals)
  })

  for (const [text, family] of literals) {
    it(`${JSON.stringify(text)} is ${family === 0 ? "no IP literal" : `IPv${family}`}`, () => {
      expect(AddrInfo.ipFamily(text)).toBe(family)
      expect(AddrInfo.isIPv4(text)).toBe(family === 4)
      expect(AddrInfo.isIPv6(text)).toBe(family === 6)
      expect(AddrInfo.isIPv4(text)).toBe(net.isIPv4(text))
      expect(AddrInfo.isIPv6(text)).toBe(net.isIPv6(text))
    })
  }

  it("an interface name with an underscore is a zone (Linux allows it; Node's isIP does not)", () => {
    expect(AddrInfo.ipFamily("fe80::1%docker_gwbridge")).toBe(6)
  })
})

describe("AddrInfo.fromLiteral", () => {
  it("an IP literal becomes an AddrInfo of its family with the port", () => {
    expect(AddrInfo.fromLiteral("2001:db8::1", 443)).toEqual({ family: 6, address: "2001:db8::1", port: 443 })
    expect(AddrInfo.fromLiteral("192.0.2.1", 80)).toEqual({ family: 4, address: "192.0.2.1", port: 80 })
    expect(AddrInfo.fromLiteral("fe80::1%eth0", 22)).toEqual({ family: 6, address: "fe80::1%eth0", port: 22 })
    expect(AddrInfo.fromLiteral("::ffff:1.2.3.4", 8080)).toEqual({ family: 6, address: "::ffff:1.2.3.4", port: 8080 })
  })

  it("anything else is undefined", () => {
    for (const text of ["example.com", "", "01.2.3.4", "1:::2", "fe80::1%", "[::1]"]) {
      expect(AddrInfo.fromLiteral(text, 443)).toBeUndefined()
    }
  })
})

describe("AddrInfo.format, formatHostPort", () => {
  const rows: ReadonlyArray<readonly [string, number | string, string]> = [
    ["192.0.2.1", 80, "192.0.2.1:80"],
    ["2001:db8::1", 443, "[2001:db8::1]:443"],
    ["::", 0, "[::]:0"],
    ["fe80::1%eth0", 22, "[fe80::1%eth0]:22"],
    ["::ffff:1.2.3.4", 8080, "[::ffff:1.2.3.4]:8080"],
    ["example.com", "https", "example.com:https"],
    ["example.com", 443, "example.com:443"]
  ]
  for (const [host, port, text] of rows) {
    it(`formatHostPort(${JSON.stringify(host)}, ${JSON.stringify(port)}) is ${text}`, () => {
      expect(AddrInfo.formatHostPort(host, port)).toBe(text)
    })
  }

  it("format brackets IPv6 and leaves IPv4 bare", () => {
    expect(AddrInfo.format({ family: 6, address: "2001:db8::7", port: 443 })).toBe("[2001:db8::7]:443")
    expect(AddrInfo.format({ family: 4, address: "198.51.100.7", port: 53 })).toBe("198.51.100.7:53")
  })
})

describe("AddrInfo.isIPv6: zones", () => {
  it("accepts the zone characters Node accepts, and `_` (Linux interface names)", () => {
    for (const text of ["fe80::1%eth0", "fe80::1%1", "fe80::1%en0.5", "fe80::1%docker_gwbridge"]) {
      expect(AddrInfo.isIPv6(text)).toBe(true)
    }
  })
  it("rejects an empty zone and characters no interface name holds", () => {
    for (const text of ["fe80::1%", "fe80::1%%", "fe80::1%eth 0", "fe80::1%eth0/64", "fe80::1%eth0%1", "fe80::1%é"]) {
      expect(AddrInfo.isIPv6(text)).toBe(false)
    }
  })
})
