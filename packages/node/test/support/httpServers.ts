/**
 * Loopback HTTP and HTTPS servers for the HTTP client tests. Each answers every request with
 * the address it came from (`/close` also closes the connection), and records its TCP
 * connections, the TLS handshakes it completed (server name sent, ALPN protocols offered,
 * whether the session was resumed) and how many connections are still open.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Net from "node:net"
import type * as Tls from "node:tls"
import { eventually, refusedPort, stalledServer } from "./servers.js"

export interface Handshake {
  readonly servername: string | false
  /** The protocol ALPN chose (`false`: none offered). */
  readonly alpn: string | false
  readonly resumed: boolean
}

export interface HttpTestServer {
  readonly host: string
  readonly port: number
  readonly url: (path?: string) => string
  /** TCP connections accepted so far. */
  readonly connections: () => number
  /** Connections not closed yet. */
  readonly open: () => number
  readonly handshakes: ReadonlyArray<Handshake>
  /** The ALPN protocols each ClientHello offered (none when it offered none). */
  readonly offered: ReadonlyArray<ReadonlyArray<string>>
  /** Waits until every connection has closed. */
  readonly allClosed: Effect.Effect<void>
}

const respond = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
  const close = request.url === "/close"
  response.writeHead(200, close ? { connection: "close" } : {})
  response.end(request.socket.remoteAddress ?? "")
}

/**
 * An HTTP server on `host` (port 0: any free one), or HTTPS with `tls`. The HTTPS server
 * accepts `http/1.1` whatever else is offered.
 */
export const httpServer = (
  host: string,
  options?: {
    readonly port?: number | undefined
    readonly tls?: { readonly key: string; readonly cert: string } | undefined
  }
): Effect.Effect<HttpTestServer, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const handshakes: Array<Handshake> = []
    const offered: Array<ReadonlyArray<string>> = []
    const tls = options?.tls
    const server: Http.Server = tls === undefined ?
      Http.createServer(respond) :
      Https.createServer({
        ...tls,
        ALPNCallback: ({ protocols }) => {
          offered.push(protocols)
          return protocols.includes("http/1.1") ? "http/1.1" : undefined
        }
      }, respond)
    const sockets = new Set<Net.Socket>()
    let connections = 0
    server.on("connection", (socket: Net.Socket) => {
      connections++
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    server.on("secureConnection", (socket: Tls.TLSSocket) => {
      handshakes.push({
        servername: socket.servername ?? false,
        alpn: socket.alpnProtocol ?? false,
        resumed: socket.isSessionReused()
      })
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number, Error>((resume) => {
        server.once("error", (error) => resume(Effect.fail(error)))
        server.listen({ host, port: options?.port ?? 0 }, () => {
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : -1))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const literal = host.includes(":") ? `[${host}]` : host
    return {
      host,
      port,
      url: (path = "/") => `${tls === undefined ? "http" : "https"}://${literal}:${port}${path}`,
      connections: () => connections,
      open: () => sockets.size,
      handshakes,
      offered,
      allClosed: eventually(Effect.sync(() => (sockets.size === 0 ? true : undefined)))
    }
  })

/**
 * An HTTP(S) server on 127.0.0.1 and, on the same port, `first`: nothing listening on ::1
 * (`"refused"`), or a listener on 127.0.0.2 whose connects never complete (`"stalled"`).
 */
export const behind = (
  first: "refused" | "stalled",
  tls?: { readonly key: string; readonly cert: string }
): Effect.Effect<{ readonly server: HttpTestServer; readonly first: string }, Error, Scope.Scope> =>
  Effect.gen(function*() {
    for (let attempt = 0;; attempt++) {
      const port = first === "refused" ? yield* refusedPort("::1") : (yield* stalledServer("127.0.0.2")).port
      const exit = yield* Effect.exit(httpServer("127.0.0.1", { port, tls }))
      if (exit._tag === "Success") return { server: exit.value, first: first === "refused" ? "::1" : "127.0.0.2" }
      if (attempt === 20) return yield* Effect.die(exit.cause)
    }
  })
