// plan.mjs: validates a lab config (JSON) and turns it into plain lines that lab.sh reads.
//
// Why: bash cannot parse JSON safely and the lab must not need jq. Node is always here (the
// lab's servers are Node programs), so the config is checked once, in one place, and lab.sh
// only ever sees validated IP literals and integers.
//
// Usage: node plan.mjs CONFIG.json
// Output, one item per line (fields separated by single spaces):
//   port PORT
//   server FAMILY ADDRESS BEHAVIOUR DELAY_MS QUEUE_NUM     (QUEUE_NUM is 0 when DELAY_MS is 0)
//   client FAMILY ADDRESS                                 (extra local addresses of the client)
// Exits 2 with a message on stderr when the config is invalid.
//
// Every address must lie in a documentation/benchmark range (198.18.0.0/15, 2001:db8::/32,
// fd00::/8) and outside the lab's own link ranges (198.18.255.0/24, 2001:db8:ff::/64), so a
// config can never name a real host.
import * as fs from "node:fs"
import * as net from "node:net"
import { pathToFileURL } from "node:url"

const fail = (message) => {
  process.stderr.write(`lab config: ${message}\n`)
  process.exit(2)
}

/** Expands an IPv6 literal (no zone, no embedded IPv4) to 8 numbers. */
export const ipv6Groups = (address) => {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined]
  const parse = (part) => (part === "" || part === undefined ? [] : part.split(":").map((g) => parseInt(g, 16)))
  const left = parse(head)
  const right = parse(tail)
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill(0)
  return [...left, ...fill, ...right]
}

const ipv4Number = (address) => address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0)

const inAllowedRange = (address) => {
  if (net.isIPv4(address)) {
    const n = ipv4Number(address)
    const inBenchmark = n >= ipv4Number("198.18.0.0") && n <= ipv4Number("198.19.255.255")
    const inLink = n >= ipv4Number("198.18.255.0") && n <= ipv4Number("198.18.255.255")
    return inBenchmark && !inLink
  }
  const g = ipv6Groups(address)
  const inDoc = g[0] === 0x2001 && g[1] === 0x0db8
  const inUla = (g[0] & 0xff00) === 0xfd00
  const inLink = inDoc && g[2] === 0x00ff && g[3] === 0
  return (inDoc || inUla) && !inLink
}

const checkAddress = (address, where) => {
  if (typeof address !== "string" || net.isIP(address) === 0) fail(`${where}: "${address}" is not an IP literal`)
  if (address.includes(".") && net.isIPv6(address)) fail(`${where}: IPv4-embedded IPv6 is not supported`)
  if (address.includes("%")) fail(`${where}: zones are not supported`)
  if (!inAllowedRange(address)) {
    fail(`${where}: ${address} is outside 198.18.0.0/15, 2001:db8::/32 and fd00::/8, or inside the lab's own link ranges (198.18.255.0/24, 2001:db8:ff::/64)`)
  }
  return address
}

const checkDelay = (value, where) => {
  if (value === undefined) return 0
  if (!Number.isInteger(value) || value < 0 || value > 60_000) fail(`${where}: delay must be an integer 0..60000 ms`)
  return value
}

/** Validates a parsed config; returns it normalised. Exported for dns-server.mjs. */
export const validate = (config) => {
  if (typeof config !== "object" || config === null) fail("the config must be a JSON object")
  const port = config.port ?? 8080
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`port must be 1..65535, got ${port}`)
  if (!Array.isArray(config.servers)) fail("servers must be an array")
  const seen = new Set()
  const servers = config.servers.map((server, i) => {
    const where = `servers[${i}]`
    const address = checkAddress(server?.address, where)
    if (seen.has(address)) fail(`${where}: duplicate address ${address}`)
    seen.add(address)
    const behaviour = server.behaviour ?? "ok"
    if (!["ok", "drop", "reset"].includes(behaviour)) fail(`${where}: behaviour must be ok, drop or reset`)
    return { address, family: net.isIPv4(address) ? 4 : 6, behaviour, delayMs: checkDelay(server.delayMs, where) }
  })
  const clientAddresses = (config.clientAddresses ?? []).map((address, i) => {
    const a = checkAddress(address, `clientAddresses[${i}]`)
    if (seen.has(a)) fail(`clientAddresses[${i}]: ${a} is also a server address`)
    seen.add(a)
    return a
  })
  const names = {}
  for (const [rawName, entry] of Object.entries(config.dns?.names ?? {})) {
    const name = rawName.toLowerCase().replace(/\.$/, "")
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name) || name.length > 253) fail(`dns name "${rawName}" is not a valid host name`)
    const where = `dns.names["${rawName}"]`
    const A = entry.A ?? []
    const AAAA = entry.AAAA ?? []
    if (!Array.isArray(A) || A.some((a) => !net.isIPv4(a))) fail(`${where}.A must be an array of IPv4 literals`)
    if (!Array.isArray(AAAA) || AAAA.some((a) => !net.isIPv6(a) || a.includes(".") || a.includes("%"))) {
      fail(`${where}.AAAA must be an array of IPv6 literals`)
    }
    for (const a of [...A, ...AAAA]) checkAddress(a, where)
    names[name] = {
      A,
      AAAA,
      aDelayMs: checkDelay(entry.aDelayMs, `${where}.aDelayMs`),
      aaaaDelayMs: checkDelay(entry.aaaaDelayMs, `${where}.aaaaDelayMs`)
    }
  }
  return { port, servers, clientAddresses, dns: { names } }
}

export const load = (file) => {
  let parsed
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"))
  } catch (error) {
    fail(`cannot read ${file}: ${error.message}`)
  }
  return validate(parsed)
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href
if (isMain) {
  if (process.argv.length !== 3) fail("usage: node plan.mjs CONFIG.json")
  const config = load(process.argv[2])
  const lines = [`port ${config.port}`]
  let queue = 100
  for (const s of config.servers) {
    const q = s.delayMs > 0 ? queue++ : 0
    lines.push(`server ${s.family} ${s.address} ${s.behaviour} ${s.delayMs} ${q}`)
  }
  for (const a of config.clientAddresses) lines.push(`client ${net.isIPv4(a) ? 4 : 6} ${a}`)
  process.stdout.write(lines.join("\n") + "\n")
}
