/** Loopback listeners for the CLI's tests, closed with the scope. */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Dgram from "node:dgram"
import * as Net from "node:net"

const listen = (host: string): Effect.Effect<Net.Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const sockets = new Set<Net.Socket>()
      const server = Net.createServer((socket) => {
        sockets.add(socket)
        socket.on("error", () => {})
        socket.on("close", () => sockets.delete(socket))
      })
      server.on("close", () => sockets.forEach((s) => s.destroy()))
      server.listen({ host, port: 0 }, () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.sync(() => server.close())
  )

const portOf = (server: Net.Server) => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}

/** A listener on `host`: its port. */
export const listener = (host: string): Effect.Effect<number, never, Scope.Scope> => Effect.map(listen(host), portOf)

/** A port on `host` where nothing listens: one that was just bound and closed. */
export const refusedPort = (host: string): Effect.Effect<number> => Effect.scoped(Effect.map(listen(host), portOf))

/** A DNS server on loopback that never answers: a UDP socket that reads and drops every query. */
export const silentDnsServer: Effect.Effect<number, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<Dgram.Socket>((resume) => {
    const socket = Dgram.createSocket("udp4")
    socket.on("message", () => {})
    socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
  }),
  (socket) => Effect.sync(() => socket.close())
).pipe(Effect.map((socket) => socket.address().port))
