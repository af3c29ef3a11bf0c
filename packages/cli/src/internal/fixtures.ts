/**
 * The demo's stage, on loopback: an echo server, a listener that never accepts, and a port
 * where nothing listens. Every socket and thread is released with the scope.
 *
 * A stalled address without a network: a listening socket whose owner never calls `accept`
 * has a full accept queue once `backlog + 1` connections wait in it, and Linux then drops
 * every further SYN (with the default `net.ipv4.tcp_abort_on_overflow = 0`), so the connect
 * hangs exactly as towards a black-holed address. Node accepts on its own as soon as its
 * event loop runs, so the listener lives in a worker thread whose loop is blocked
 * (`Atomics.wait`) until the scope closes. Whether a connect really stalls is checked, not
 * assumed: the queue is filled until a connect does not complete.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import { Worker } from "node:worker_threads"

/** The demo could not set its stage up. */
export class SetupError extends Data.TaggedError("SetupError")<{ readonly message: string }> {}

/** A connect on loopback completes in well under a millisecond; this one is taken as stalled. */
const STALL_PROBE = Duration.millis(200)

/** How many queued connections to try before concluding that this kernel never drops a SYN. */
const MAX_PARKED = 8

const closeServer = (server: Net.Server, sockets: Set<Net.Socket>) =>
  Effect.sync(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })

/** An echo server on `host`, on a free port. */
export const echoServer = (host: string): Effect.Effect<number, SetupError, Scope.Scope> =>
  Effect.gen(function*() {
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((socket) => {
      sockets.add(socket)
      socket.on("error", () => socket.destroy())
      socket.on("close", () => sockets.delete(socket))
      socket.pipe(socket)
    })
    yield* Effect.addFinalizer(() => closeServer(server, sockets))
    return yield* Effect.async<number, SetupError>((resume) => {
      server.once("error", (error) =>
        resume(Effect.fail(new SetupError({ message: `echo server on ${host}: ${error.message}` }))))
      server.listen({ host, port: 0 }, () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    })
  })

// The worker's code: CommonJS, evaluated as is (no TypeScript loader in a worker).
const STALLED_LISTENER = `
const { workerData, parentPort } = require("node:worker_threads")
const net = require("node:net")
const server = net.createServer()
server.once("error", (error) => parentPort.postMessage({ error: error.code || String(error) }))
server.listen({ host: workerData.host, port: workerData.port, backlog: workerData.backlog }, () => {
  parentPort.postMessage({ listening: true })
  Atomics.wait(new Int32Array(workerData.wake), 0, 0)
  server.close()
})
`

/**
 * A listener on `host:port` that never accepts, in a worker thread blocked until the scope
 * closes. Fails with the system code (`EADDRINUSE`) when it cannot listen.
 */
export const stalledListener = (host: string, port: number): Effect.Effect<void, SetupError, Scope.Scope> =>
  Effect.gen(function*() {
    const wake = new SharedArrayBuffer(4)
    const exited = yield* Deferred.make<void>()
    const worker = new Worker(STALLED_LISTENER, { eval: true, workerData: { host, port, backlog: 1, wake } })
    worker.unref()
    worker.once("exit", () => Deferred.unsafeDone(exited, Effect.void))
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        Effect.sync(() => {
          const flag = new Int32Array(wake)
          Atomics.store(flag, 0, 1)
          Atomics.notify(flag, 0)
        }),
        Deferred.await(exited)
      )
    )
    yield* Effect.async<void, SetupError>((resume) => {
      const onMessage = (message: { readonly error?: string }) =>
        resume(
          message.error === undefined ?
            Effect.void :
            Effect.fail(new SetupError({ message: `listener on ${host}:${port}: ${message.error}` }))
        )
      const onError = (error: Error) => resume(Effect.fail(new SetupError({ message: error.message })))
      const onExit = () => resume(Effect.fail(new SetupError({ message: `listener on ${host}:${port} exited` })))
      worker.once("message", onMessage)
      worker.once("error", onError)
      worker.once("exit", onExit)
      return Effect.sync(() => {
        worker.off("message", onMessage)
        worker.off("error", onError)
        worker.off("exit", onExit)
      })
    })
  })

/** Connects a socket, destroyed with the scope; `true` when it connected within `STALL_PROBE`. */
const probe = (host: string, port: number): Effect.Effect<Option.Option<string | undefined>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const socket = new Net.Socket()
    socket.on("error", () => {})
    yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
    return yield* Effect.async<string | undefined>((resume) => {
      socket.once("connect", () => resume(Effect.succeed(undefined)))
      socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code ?? error.message)))
      socket.connect({ host, port, autoSelectFamily: false })
    }).pipe(Effect.timeoutOption(STALL_PROBE))
  })

/**
 * Fills the accept queue of the listener at `host:port` until a connect stalls, and returns
 * how many connections are parked in it. The parked and stalled sockets close with the scope.
 */
export const fillQueue = (host: string, port: number): Effect.Effect<number, SetupError, Scope.Scope> =>
  Effect.gen(function*() {
    for (let parked = 0; parked < MAX_PARKED; parked++) {
      const result = yield* probe(host, port)
      if (Option.isNone(result)) return parked
      if (result.value !== undefined) {
        return yield* new SetupError({ message: `filling ${host}:${port}: connect failed with ${result.value}` })
      }
    }
    return yield* new SetupError({
      message: `${host}:${port} accepted ${MAX_PARKED} connections that nobody accepted: this system does not ` +
        "drop SYNs when a listener's accept queue is full, so the demo cannot show a stalled attempt"
    })
  })

/** Checks that a connect to `host:port` fails at once, and returns its code. */
export const refusedAt = (host: string, port: number): Effect.Effect<string, SetupError, Scope.Scope> =>
  Effect.flatMap(probe(host, port), (result) =>
    Option.isSome(result) && result.value !== undefined ?
      Effect.succeed(result.value) :
      new SetupError({
        message: `${host}:${port} ${Option.isSome(result) ? "accepted a connection" : "did not answer"}`
      }))
