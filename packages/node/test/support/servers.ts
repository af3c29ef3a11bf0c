/**
 * Loopback servers for the socket tests: echo, silent (accepts, never answers), reset (an RST
 * once sent something), TLS echo, a refused port and a stalled listener whose connects never
 * complete. Each lives in the test's Scope and records the connections it saw.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Net from "node:net"
import * as Tls from "node:tls"

/** One accepted TCP connection, as the server saw it. */
export interface Seen {
  readonly remoteAddress: string
  readonly remotePort: number
  readonly closed: Deferred.Deferred<void>
}

export interface TestServer {
  readonly host: string
  readonly port: number
  /** TCP connections accepted so far, in order (for TLS, handshake or not). */
  readonly seen: ReadonlyArray<Seen>
  /** The SNI name of each completed TLS handshake (`false`: none sent). */
  readonly servernames: ReadonlyArray<string | false>
  /** Waits until `n` connections have been accepted. */
  readonly accepted: (n: number) => Effect.Effect<ReadonlyArray<Seen>>
  /** Waits until `n` TLS handshakes have completed (a server finishes after its client). */
  readonly handshakes: (n: number) => Effect.Effect<ReadonlyArray<string | false>>
}

export type Mode = "echo" | "silent" | "reset"

const listen = (server: Net.Server, host: string, port: number) =>
  Effect.async<number, Error>((resume) => {
    const onError = (error: Error) => resume(Effect.fail(error))
    server.once("error", onError)
    server.listen({ host, port }, () => {
      server.off("error", onError)
      const address = server.address()
      resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : -1))
    })
  })

/** Polls a condition every few milliseconds, for at most about two seconds. */
export const eventually = <A>(check: Effect.Effect<A | undefined>): Effect.Effect<A> =>
  Effect.flatMap(check, (a) => a === undefined ? Effect.fail("not yet" as const) : Effect.succeed(a)).pipe(
    Effect.retry(Schedule.intersect(Schedule.spaced("5 millis"), Schedule.recurs(400))),
    Effect.orDie
  )

const serve = (
  server: Net.Server,
  host: string,
  port: number,
  servernames: ReadonlyArray<string | false> = []
): Effect.Effect<TestServer, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const seen: Array<Seen> = []
    const sockets = new Set<Net.Socket>()
    server.on("connection", (socket: Net.Socket) => {
      sockets.add(socket)
      const closed = Deferred.unsafeMake<void>(FiberId.none)
      socket.on("error", () => {})
      socket.on("close", () => {
        sockets.delete(socket)
        Deferred.unsafeDone(closed, Effect.void)
      })
      seen.push({ remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0, closed })
    })
    const bound = yield* Effect.acquireRelease(listen(server, host, port), () =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      }))
    return {
      host,
      port: bound,
      seen,
      servernames,
      accepted: (n: number) => eventually(Effect.sync(() => seen.length >= n ? seen.slice() : undefined)),
      handshakes: (n: number) =>
        eventually(Effect.sync(() => servernames.length >= n ? servernames.slice() : undefined))
    }
  })

const echo = (socket: Net.Socket) => {
  socket.on("error", () => {})
  socket.pipe(socket)
}

/** Reads and drops what it is sent, so that it sees the peer's FIN and closes. */
const silent = (socket: Net.Socket) => {
  socket.on("error", () => {})
  socket.resume()
}

/** Resets the connection (an RST, not a FIN) when it first receives data. */
const reset = (socket: Net.Socket) => {
  socket.on("error", () => {})
  socket.once("data", () => socket.resetAndDestroy())
}

const handlers: Record<Mode, (socket: Net.Socket) => void> = { echo, silent, reset }

/**
 * A TCP server on `host` (port 0: any free one) that echoes (default), accepts and never
 * answers, or resets the connection once sent something.
 */
export const tcpServer = (host: string, options?: { readonly port?: number; readonly mode?: Mode }) =>
  serve(Net.createServer(handlers[options?.mode ?? "echo"]), host, options?.port ?? 0)

/** A TLS echo server with the given key and certificate; it records the SNI name sent. */
export const tlsServer = (host: string, credentials: { readonly key: string; readonly cert: string }, port = 0) => {
  const servernames: Array<string | false> = []
  const server = Tls.createServer(credentials, (socket) => {
    servernames.push(socket.servername ?? false)
    echo(socket)
  })
  return serve(server, host, port, servernames)
}

/** A port on `host` where nothing listens: bound, then closed. */
export const refusedPort = (host: string) =>
  Effect.gen(function*() {
    const server = Net.createServer()
    const port = yield* listen(server, host, 0)
    yield* Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
    return port
  })

/** Binds `host:port` and closes it again: fails when something listens there. */
const reserve = (host: string, port: number) =>
  Effect.flatMap(
    Effect.sync(() => Net.createServer()),
    (server) =>
      Effect.zipRight(
        listen(server, host, port),
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
      )
  )

/**
 * Servers on ::1 and 127.0.0.1 with the same port, as a name with both families needs. Either
 * family can be `"refused"`: nothing listens there.
 */
export const dualServers = (modes: { readonly v6: Mode | "refused"; readonly v4: Mode | "refused" }) =>
  Effect.gen(function*() {
    const on = (host: string, mode: Mode | "refused", port: number) =>
      mode === "refused" ? Effect.as(reserve(host, port), undefined) : tcpServer(host, { port, mode })
    // The port is free on ::1; on 127.0.0.1 it almost always is too. Try again when it is not.
    for (let attempt = 0;; attempt++) {
      const port = yield* refusedPort("::1")
      const exit = yield* Effect.exit(
        Effect.all({ v6: on("::1", modes.v6, port), v4: on("127.0.0.1", modes.v4, port) })
      )
      if (exit._tag === "Success") return { port, ...exit.value }
      if (attempt === 20) return yield* Effect.die(exit.cause)
    }
  })

/**
 * A listener whose connects never complete: a child Node process listens with a backlog of 1,
 * then blocks its event loop so it never accepts. Two connections fill the accept queue; every
 * later SYN is dropped, so a connect to it stays pending until interrupted.
 */
export const stalledServer = (host: string): Effect.Effect<{ readonly port: number }, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const script = `const net = require("node:net")
const server = net.createServer().listen({ host: process.argv[1], port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + "\\n", () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000))
})`
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(process.execPath, ["-e", script, host], { stdio: ["ignore", "pipe", "inherit"] })
      ),
      (child) => Effect.sync(() => child.kill("SIGKILL"))
    )
    const port = yield* Effect.async<number, Error>((resume) => {
      child.stdout?.once("data", (data: Buffer) => resume(Effect.succeed(Number(data.toString().trim()))))
      child.once("error", (error) => resume(Effect.fail(error)))
    })
    // Fill the accept queue.
    for (let i = 0; i < 2; i++) {
      yield* Effect.acquireRelease(
        Effect.async<Net.Socket, Error>((resume) => {
          const socket = Net.connect({ host, port }, () => resume(Effect.succeed(socket)))
          socket.once("error", (error) => resume(Effect.fail(error)))
        }),
        (socket) => Effect.sync(() => socket.destroy())
      )
    }
    // A finished connect request is listed a moment longer; start from none.
    yield* eventually(Effect.sync(() => activeResources().ConnectWrap === undefined || undefined))
    return { port }
  })

/** The number of each kind of libuv handle and request this process holds. */
export const activeResources = (): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

/** Waits until the process holds no more sockets, connects and timers than `baseline`. */
export const backTo = (baseline: Record<string, number>) =>
  eventually(Effect.sync(() => {
    const now = activeResources()
    const kinds = ["TCPSocketWrap", "TCPWRAP", "ConnectWrap", "TCPConnectWrap", "Timeout"]
    return kinds.every((kind) => (now[kind] ?? 0) <= (baseline[kind] ?? 0)) ? now : undefined
  }))
