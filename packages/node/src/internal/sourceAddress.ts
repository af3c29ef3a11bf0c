/**
 * The source address the system would use to reach a destination, found the way glibc's
 * `getaddrinfo` finds it before its RFC 6724 sort: a UDP socket of the destination's family
 * is connected to it and asked for its own address. A UDP connect only picks a route and a
 * source; no packet is sent. A destination the kernel has no route to fails the connect
 * (`ENETUNREACH`, `EINVAL` for a link-local address without a zone, `EACCES` for a broadcast
 * one), which is no source: RFC 6724's rule 1 sorts it last.
 *
 * Each socket is closed by its finalizer, also when the lookup is interrupted.
 *
 * @internal
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as Effect from "effect/Effect"
import * as Dgram from "node:dgram"

/**
 * The port to connect to, which only policy routing could care about: the lookup's, else the
 * discard port (RFC 863); `dgram` refuses port 0.
 */
const portOf = (destination: AddrInfo.AddrInfo) =>
  Number.isInteger(destination.port) && destination.port >= 1 && destination.port <= 65535 ? destination.port : 9

const connectedSource = (socket: Dgram.Socket, destination: AddrInfo.AddrInfo) =>
  Effect.async<string | undefined>((resume) => {
    let done = false
    const finish = (source: string | undefined) => {
      if (done) return
      done = true
      resume(Effect.succeed(source))
    }
    // The implicit bind reports its failure (no IPv6 on this host, say) as an event.
    socket.on("error", () => finish(undefined))
    socket.connect(portOf(destination), destination.address, (error?: Error) => {
      if (error) return finish(undefined)
      try {
        finish(socket.address().address)
      } catch {
        finish(undefined)
      }
    })
  })

/** The source address for `destination`, or `undefined` when it cannot be reached. */
export const sourceOf = (destination: AddrInfo.AddrInfo): Effect.Effect<string | undefined> =>
  Effect.acquireUseRelease(
    Effect.sync(() => Dgram.createSocket(destination.family === 6 ? "udp6" : "udp4")),
    (socket) => connectedSource(socket, destination),
    (socket) => Effect.sync(() => socket.close())
  )

/**
 * Sorts one lookup's answer as a system `getaddrinfo` does: RFC 6724 over each destination's
 * source, all found in parallel. One address has nothing to be sorted against.
 */
export const sortAnswer = (
  addresses: ReadonlyArray<AddrInfo.AddrInfo>
): Effect.Effect<ReadonlyArray<AddrInfo.AddrInfo>> =>
  addresses.length < 2 ?
    Effect.succeed(addresses) :
    Effect.map(Effect.forEach(addresses, sourceOf, { concurrency: "unbounded" }), (sources) => {
      const sourceByDestination = new Map(addresses.map((address, i) => [address, sources[i]]))
      return AddrInfo.sortByRfc6724(addresses, (destination) => sourceByDestination.get(destination))
    })
