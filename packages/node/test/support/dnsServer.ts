/**
 * A tiny DNS server on 127.0.0.1 (UDP, port 0) for `NodeGetAddrInfo.layerDns`: it answers A
 * and AAAA queries from a table, with an optional delay per record type; an unknown name is
 * NXDOMAIN, a known name without the type asked is an empty NOERROR (c-ares: ENODATA), and a
 * name marked `silent` is never answered. It counts the queries it receives.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Dgram from "node:dgram"

export interface Zone {
  readonly [name: string]: {
    readonly A?: ReadonlyArray<string>
    readonly AAAA?: ReadonlyArray<string>
    /** Milliseconds to wait before answering, per record type. */
    readonly delay?: { readonly A?: number; readonly AAAA?: number }
    /** Never answer. */
    readonly silent?: boolean
  }
}

export interface DnsServer {
  readonly server: string
  /** Queries received, as `"name TYPE"`. */
  readonly queries: ReadonlyArray<string>
}

const TYPE_A = 1
const TYPE_AAAA = 28

const ipv4Bytes = (address: string) => Buffer.from(address.split(".").map(Number))

const ipv6Bytes = (address: string) => {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined]
  const groups = (side: string | undefined) => side ? side.split(":").map((g) => parseInt(g, 16)) : []
  const left = groups(head)
  const right = groups(tail)
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
  const bytes = Buffer.alloc(16)
  all.forEach((group, i) => bytes.writeUInt16BE(group, i * 2))
  return bytes
}

/** Reads the question: the name (lower case), its type, and where the question ends. */
const question = (message: Buffer) => {
  const labels: Array<string> = []
  let offset = 12
  while (message[offset] !== 0) {
    const length = message[offset]
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString("latin1"))
    offset += length + 1
  }
  const type = message.readUInt16BE(offset + 1)
  return { name: labels.join(".").toLowerCase(), type, end: offset + 5 }
}

const answer = (query: Buffer, zone: Zone) => {
  const { end, name, type } = question(query)
  const entry = zone[name]
  const addresses = entry === undefined ? [] : (type === TYPE_A ? entry.A : type === TYPE_AAAA ? entry.AAAA : []) ?? []
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2) // id
  header.writeUInt16BE(0x8180 | (entry === undefined ? 3 : 0), 2) // response, RD, RA, rcode
  header.writeUInt16BE(1, 4) // one question
  header.writeUInt16BE(addresses.length, 6)
  const records = addresses.map((address) => {
    const data = type === TYPE_A ? ipv4Bytes(address) : ipv6Bytes(address)
    const record = Buffer.alloc(12)
    record.writeUInt16BE(0xc00c, 0) // the name in the question
    record.writeUInt16BE(type, 2)
    record.writeUInt16BE(1, 4) // IN
    record.writeUInt32BE(60, 6) // TTL
    record.writeUInt16BE(data.length, 10)
    return Buffer.concat([record, data])
  })
  return { name, type, response: Buffer.concat([header, query.subarray(12, end), ...records]) }
}

export const dnsServer = (zone: Zone): Effect.Effect<DnsServer, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const queries: Array<string> = []
    const timers = new Set<ReturnType<typeof setTimeout>>()
    const socket = yield* Effect.acquireRelease(
      Effect.async<Dgram.Socket, Error>((resume) => {
        const socket = Dgram.createSocket("udp4")
        socket.once("error", (error) => resume(Effect.fail(error)))
        socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
      }),
      (socket) =>
        Effect.async<void>((resume) => {
          for (const timer of timers) clearTimeout(timer)
          socket.close(() => resume(Effect.void))
        })
    )
    socket.on("message", (query, peer) => {
      const { name, response, type } = answer(query, zone)
      queries.push(`${name} ${type === TYPE_A ? "A" : type === TYPE_AAAA ? "AAAA" : type}`)
      const entry = zone[name]
      if (entry?.silent) return
      const send = () => socket.send(response, peer.port, peer.address)
      const delay = type === TYPE_A ? entry?.delay?.A : entry?.delay?.AAAA
      if (delay === undefined) return send()
      const timer = setTimeout(() => {
        timers.delete(timer)
        send()
      }, delay)
      timers.add(timer)
    })
    return { server: `127.0.0.1:${socket.address().port}`, queries }
  })
