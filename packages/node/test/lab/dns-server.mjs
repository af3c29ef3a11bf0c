// dns-server.mjs: the lab's DNS server, run inside the server namespace by lab.sh.
//
// Why: Happy Eyeballs behaviour depends on when the A and AAAA answers arrive (RFC 8305's
// resolution delay), and dnsmasq cannot delay answers. This tiny UDP responder answers A and
// AAAA for the names of the lab config, each name and type after its own delay:
//   - a known name and type with records: NOERROR with the records (TTL 1), after the delay;
//   - a known name, a type without records (or any other type): NOERROR with no answers,
//     after the delay of that type (A/AAAA) or at once (other types);
//   - an unknown name: NXDOMAIN at once;
//   - a malformed query: FORMERR when a header can be read, else nothing.
//
// Usage: node dns-server.mjs CONFIG.json ADDRESS [ADDRESS...]   (UDP port 53, or $STG_DNS_PORT)
// Prints "ready" on stdout once every socket is bound, then one line per query answered.
// It stops on SIGTERM/SIGINT (lab.sh down).
import * as dgram from "node:dgram"
import * as net from "node:net"
import { ipv6Groups, load } from "./plan.mjs"

const TYPE_A = 1
const TYPE_AAAA = 28
const CLASS_IN = 1
const RCODE_FORMERR = 1
const RCODE_NXDOMAIN = 3

const [configFile, ...addresses] = process.argv.slice(2)
if (configFile === undefined || addresses.length === 0) {
  process.stderr.write("usage: node dns-server.mjs CONFIG.json ADDRESS [ADDRESS...]\n")
  process.exit(2)
}
const port = Number(process.env.STG_DNS_PORT ?? 53)
const names = load(configFile).dns.names

/** Reads the question: the name (lower case, no trailing dot), type, class, end offset. */
const readQuestion = (msg) => {
  let offset = 12
  const labels = []
  for (;;) {
    if (offset >= msg.length) return undefined
    const len = msg[offset]
    if (len === 0) break
    if (len > 63) return undefined // compression pointers never appear in a question
    labels.push(msg.subarray(offset + 1, offset + 1 + len).toString("latin1"))
    offset += 1 + len
  }
  offset += 1
  if (offset + 4 > msg.length) return undefined
  return { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(offset), qclass: msg.readUInt16BE(offset + 2), end: offset + 4 }
}

const rdata = (type, address) =>
  type === TYPE_A
    ? Buffer.from(address.split(".").map(Number))
    : Buffer.from(ipv6Groups(address).flatMap((g) => [g >> 8, g & 0xff]))

/** Builds a response that copies the query's id, RD bit and question. */
const response = (query, question, rcode, records) => {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0)
  const rd = query[2] & 0x01
  const opcode = query[2] & 0x78
  header[2] = 0x80 | opcode | 0x04 | rd // QR, opcode, AA, RD
  header[3] = 0x80 | rcode // RA, RCODE
  header.writeUInt16BE(question === undefined ? 0 : 1, 4)
  header.writeUInt16BE(records.length, 6)
  const parts = [header]
  if (question !== undefined) parts.push(query.subarray(12, question.end))
  for (const record of records) {
    const rr = Buffer.alloc(12)
    rr.writeUInt16BE(0xc00c, 0) // pointer to the question's name
    rr.writeUInt16BE(question.type, 2)
    rr.writeUInt16BE(CLASS_IN, 4)
    rr.writeUInt32BE(1, 6) // TTL
    rr.writeUInt16BE(record.length, 10)
    parts.push(rr, record)
  }
  return Buffer.concat(parts)
}

const started = process.hrtime.bigint()
const elapsed = () => (Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)

const answer = (socket, query, rinfo) => {
  if (query.length < 12 || (query[2] & 0x80) !== 0) return // too short, or not a query
  const send = (buffer) => socket.send(buffer, rinfo.port, rinfo.address)
  const question = query.readUInt16BE(4) === 1 ? readQuestion(query) : undefined
  if (question === undefined) {
    send(response(query, undefined, RCODE_FORMERR, []))
    return
  }
  const entry = names[question.name]
  const typeName = question.type === TYPE_A ? "A" : question.type === TYPE_AAAA ? "AAAA" : `type${question.type}`
  if (entry === undefined) {
    process.stdout.write(`${elapsed()} ${rinfo.address} ${question.name} ${typeName} NXDOMAIN\n`)
    send(response(query, question, RCODE_NXDOMAIN, []))
    return
  }
  const isIn = question.qclass === CLASS_IN
  const list = !isIn ? [] : question.type === TYPE_A ? entry.A : question.type === TYPE_AAAA ? entry.AAAA : []
  const delay = question.type === TYPE_A ? entry.aDelayMs : question.type === TYPE_AAAA ? entry.aaaaDelayMs : 0
  const records = list.map((address) => rdata(question.type, address))
  const reply = response(query, question, 0, records)
  const go = () => {
    process.stdout.write(`${elapsed()} ${rinfo.address} ${question.name} ${typeName} ${list.length} record(s) after ${delay} ms\n`)
    send(reply)
  }
  if (delay > 0) setTimeout(go, delay)
  else go()
}

const sockets = []
let bound = 0
for (const address of addresses) {
  const socket = dgram.createSocket(net.isIPv6(address) ? { type: "udp6", ipv6Only: true } : { type: "udp4" })
  socket.on("message", (msg, rinfo) => answer(socket, msg, rinfo))
  socket.on("error", (error) => {
    process.stderr.write(`dns ${address}: ${error.message}\n`)
    process.exit(1)
  })
  socket.bind(port, address, () => {
    bound += 1
    if (bound === addresses.length) process.stdout.write("ready\n")
  })
  sockets.push(socket)
}

const stop = () => {
  for (const socket of sockets) socket.close()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
