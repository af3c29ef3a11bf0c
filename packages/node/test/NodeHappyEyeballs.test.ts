import { ConnectError, GetAddrInfo } from "@effect-stagger/core"
import { DialError, NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
import * as Socket from "@effect/platform/Socket"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scheduler from "effect/Scheduler"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Net from "node:net"
import * as Util from "node:util"
import { recordingTracer } from "../../core/test/support/tracer.js"
import { remoteHost, tcp } from "../src/internal/dial.js"
import { destroyedDuring } from "./support/destroyed.js"
import { scripted } from "./support/lookups.js"
import { dualServers, eventually, refusedPort, stalledServer, tcpServer } from "./support/servers.js"

const names = scripted({
  "dual.test": { 6: ["::1"], 4: ["127.0.0.1"] },
  "v4.test": { 4: ["127.0.0.1"] },
  "v6.test": { 6: ["::1"] },
  "two-by-two.test": { 6: ["::1", "::1"], 4: ["127.0.0.1", "127.0.0.2"] },
  "late-v6.test": { 6: ["::1"], 4: ["127.0.0.1"], delay: { 6: "100 millis" } }
})

const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)

/** The limit this process runs with: a connect must leave it as it found it. */
const stackTraceLimit = Error.stackTraceLimit

const text = (chunks: Chunk.Chunk<Uint8Array>) => Buffer.concat(Chunk.toArray(chunks)).toString()

describe("NodeHappyEyeballs.createConnectedSock", () => {
  describe("IP literals", () => {
    it.scopedLive("connects to an IPv4 literal", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const socket = yield* NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port)
        expect(socket.remoteAddress).toBe("127.0.0.1")
        expect(socket.remotePort).toBe(server.port)
        const [seen] = yield* server.accepted(1)
        expect(seen.remotePort).toBe(socket.localPort)
      }).pipe(Effect.provide(names)))

    it.scopedLive("connects to an IPv6 literal, with a numeric string port", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("::1")
        const socket = yield* NodeHappyEyeballs.createConnectedSock("::1", String(server.port))
        expect(socket.remoteFamily).toBe("IPv6")
        expect(socket.remoteAddress).toBe("::1")
      }).pipe(Effect.provide(names)))

    it.scopedLive("a refused literal fails with a DialError carrying ECONNREFUSED", () =>
      Effect.gen(function*() {
        const port = yield* refusedPort("127.0.0.1")
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", port))
        expect(DialError.isDialError(error)).toBe(true)
        if (!DialError.isDialError(error)) return
        expect(error.code).toBe("ECONNREFUSED")
        expect(error.phase).toBe("connect")
        expect(error.remote).toEqual({ family: 4, address: "127.0.0.1", port })
        expect(error.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`)
        // No stack of its own (only Node's event handling would be in it), Node's kept in
        // `cause`, and the process's stack trace limit left as it was.
        expect(error.stack?.split("\n").filter((line) => line.trimStart().startsWith("at "))).toEqual([])
        expect((error.cause as Error).stack).toContain("ECONNREFUSED")
        expect(Error.stackTraceLimit).toBe(stackTraceLimit)
        // The error itself, not a Proxy around it (as `Effect.fail` makes inside a span).
        expect(Util.types.isProxy(error)).toBe(false)
      }).pipe(Effect.provide(names)))

    it.scopedLive("a literal of the other family than asked is a ResolveError, and nothing is dialled", () =>
      Effect.gen(function*() {
        const tags: Array<string> = []
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", 80, {
          family: 6,
          onEvent: (event) => Effect.sync(() => tags.push(event._tag))
        }))
        expect(GetAddrInfo.isResolveError(error)).toBe(true)
        expect(tags).not.toContain("AttemptStarted")
      }).pipe(Effect.provide(names)))

    it.scopedLive("a bad port is an IllegalArgumentException", () =>
      Effect.gen(function*() {
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", 70000))
        expect(error._tag).toBe("IllegalArgumentException")
        expect(error.message).toContain("port")
      }).pipe(Effect.provide(names)))
  })

  describe("IP literals: the connect path of any host", () => {
    /** The spans of one connect made in a `caller` span: each one's name, attributes, parent and exit. */
    const spansOf = <A, E>(connect: Effect.Effect<A, E, GetAddrInfo.GetAddrInfo | Scope.Scope>) =>
      Effect.gen(function*() {
        const { spans, tracer } = yield* recordingTracer
        const exit = yield* connect.pipe(
          Effect.scoped,
          Effect.withSpan("caller"),
          Effect.withTracer(tracer),
          Effect.withTracerEnabled(true),
          Effect.exit
        )
        const caller = spans.find((span) => span.name === "caller")!
        return {
          exit,
          spans: spans.filter((span) => span !== caller).map((span) => ({
            name: span.name,
            attributes: Object.fromEntries(span.attributes),
            childOfCaller: Option.getOrUndefined(span.parent)?.spanId === caller.spanId,
            kind: span.kind,
            exit: span.status._tag === "Ended" ? span.status.exit._tag : "not ended"
          }))
        }
      })

    const listening = { onEvent: () => Effect.void }

    it.scopedLive("connected: the stagger.connect span and its one stagger.attempt, as for any host", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const literal = yield* spansOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port))
        const listened = yield* spansOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, listening))
        const attempt = {
          name: "stagger.attempt",
          attributes: {
            "network.peer.address": "127.0.0.1",
            "network.peer.port": server.port,
            "network.type": "ipv4",
            "network.transport": "tcp",
            "stagger.attempt.index": 0
          },
          childOfCaller: false,
          kind: "client",
          exit: "Success"
        }
        const connect = {
          name: "stagger.connect",
          attributes: {
            "server.address": "127.0.0.1",
            "server.port": server.port,
            "network.peer.address": "127.0.0.1",
            "network.peer.port": server.port,
            "network.type": "ipv4",
            "stagger.attempts": 1,
            "stagger.attempts.failed": 0
          },
          childOfCaller: true,
          kind: "client",
          exit: "Success"
        }
        expect(literal.spans).toEqual([connect, attempt])
        expect(listened.spans).toEqual(literal.spans)
      }).pipe(Effect.provide(names)))

    it.scopedLive("refused: both spans end with the failure, and the error is a DialError", () =>
      Effect.gen(function*() {
        const port = yield* refusedPort("::1")
        const refused = yield* spansOf(NodeHappyEyeballs.createConnectedSock("::1", port))
        expect(refused.spans.map((span) => [span.name, span.exit, span.attributes["error.type"]])).toEqual([
          ["stagger.connect", "Failure", "ECONNREFUSED"],
          ["stagger.attempt", "Failure", "ECONNREFUSED"]
        ])
        const error = Exit.isFailure(refused.exit) ? Cause.squash(refused.exit.cause) : refused.exit
        expect(error).toBeInstanceOf(DialError.DialError)
      }).pipe(Effect.provide(names)))

    it.scopedLive("the socket connects in its span's context, as a tracer such as OpenTelemetry's sees it", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const { tracer } = yield* recordingTracer
        // A tracer's `context` runs each step of a fiber; OpenTelemetry's makes the fiber's
        // current span the active one, which instrumentation of `net` then reads.
        let active: string | undefined
        const inContext = Tracer.make({
          span: tracer.span,
          context: (f, fiber) => {
            const outer = active
            const span = fiber.currentSpan
            active = span?._tag === "Span" ? span.name : span?._tag
            try {
              return f()
            } finally {
              active = outer
            }
          }
        })
        const seen: Array<string | undefined> = []
        const connect = Net.Socket.prototype.connect
        Net.Socket.prototype.connect = function(this: Net.Socket, ...args: Array<unknown>) {
          seen.push(active)
          return (connect as (...args: Array<unknown>) => Net.Socket).apply(this, args)
        } as typeof connect
        yield* Effect.forEach(
          [undefined, listening],
          (options) =>
            NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, options).pipe(
              Effect.scoped,
              Effect.withSpan("caller"),
              Effect.withTracer(inContext),
              Effect.withTracerEnabled(true)
            )
        ).pipe(Effect.ensuring(Effect.sync(() => void (Net.Socket.prototype.connect = connect))))
        expect(seen).toEqual(["stagger.attempt", "stagger.attempt"])
      }).pipe(Effect.provide(names)))

    it.scopedLive("interrupted while connecting: the span ends as interrupted", () =>
      Effect.gen(function*() {
        const { port } = yield* stalledServer("127.0.0.1")
        const { exit, spans } = yield* spansOf(
          NodeHappyEyeballs.createConnectedSock("127.0.0.1", port).pipe(Effect.timeout("50 millis"))
        )
        expect(Exit.isFailure(exit) && Cause.isTimeoutException(Cause.squash(exit.cause))).toBe(true)
        expect(spans.map((span) => span.exit)).toEqual(["Failure", "Failure"])
      }).pipe(Effect.provide(names)))

    /**
     * A scheduler that, once armed, makes the fiber yield at its next step (as a busy fiber's
     * 2048th step does) and resumes it a timer later, so that an interruption sent meanwhile
     * reaches it at that step.
     */
    const yieldingOnce = () => {
      let armed = false
      const scheduler: Scheduler.Scheduler = {
        shouldYield: () => {
          if (!armed) return false
          armed = false
          return 0
        },
        scheduleTask: (task) => void setTimeout(task, 0)
      }
      return { scheduler, arm: () => void (armed = true) }
    }

    /** Runs `connect` in a fiber of its own that `interrupter` may interrupt, and its scope after. */
    const interruptedAt = <A, E>(
      connect: Effect.Effect<A, E, Scope.Scope>,
      scheduler: Scheduler.Scheduler,
      interrupter: { target?: Fiber.RuntimeFiber<A, E> }
    ) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const fiber = yield* Effect.fork(Effect.withScheduler(Scope.extend(connect, scope), scheduler))
        interrupter.target = fiber
        const exit = yield* Fiber.await(fiber)
        yield* Scope.close(scope, exit)
        return exit
      })

    it.scopedLive("an attempt: an interruption that reaches the fiber just as the socket connects closes it", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const { arm, scheduler } = yieldingOnce()
        const interrupter: { target?: Fiber.RuntimeFiber<unknown, unknown> } = {}
        const sockets: Array<Net.Socket> = []
        const connect = Net.Socket.prototype.connect
        Net.Socket.prototype.connect = function(this: Net.Socket, ...args: Array<unknown>) {
          sockets.push(this)
          arm()
          queueMicrotask(() => Effect.runFork(Fiber.interrupt(interrupter.target!)))
          return (connect as (...args: Array<unknown>) => Net.Socket).apply(this, args)
        } as typeof connect
        const exit = yield* interruptedAt(
          tcp({ family: 4, address: "127.0.0.1", port: server.port }, undefined),
          scheduler,
          interrupter
        ).pipe(Effect.ensuring(Effect.sync(() => void (Net.Socket.prototype.connect = connect))))
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(sockets.map((socket) => socket.destroyed)).toEqual([true])
        // The server saw the connection and then its close.
        const [accepted] = yield* server.accepted(1)
        yield* eventually(Effect.sync(() => accepted.closed || undefined))
      }).pipe(Effect.provide(names)))

    it.scopedLive("an interruption that comes as the span is made still ends the span", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const { arm, scheduler } = yieldingOnce()
        const interrupter: { target?: Fiber.RuntimeFiber<unknown, unknown> } = {}
        const { spans, tracer } = yield* recordingTracer
        const interrupting = Tracer.make({
          span: (...args) => {
            arm()
            queueMicrotask(() => Effect.runFork(Fiber.interrupt(interrupter.target!)))
            return tracer.span(...args)
          },
          context: tracer.context
        })
        const exit = yield* interruptedAt(
          NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port).pipe(
            Effect.withTracer(interrupting),
            Effect.provide(names)
          ),
          scheduler,
          interrupter
        )
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(spans.map((span) => [span.name, span.status._tag === "Ended" && span.status.exit._tag])).toEqual([
          ["stagger.connect", "Failure"]
        ])
      }))

    it.scopedLive("an IP literal gets every argument check a name gets", () =>
      Effect.gen(function*() {
        const messages = yield* Effect.forEach(
          [
            { delay: -1 },
            { delay: Number.NaN },
            { delay: "-5 millis" as Duration.DurationInput },
            { delay: "soon" as Duration.DurationInput },
            { family: 5 as 4 },
            { firstAddressFamilyCount: 0 },
            { resolutionDelay: "abc" as Duration.DurationInput },
            { resolver: 42 as never }
          ] satisfies ReadonlyArray<NodeHappyEyeballs.ConnectOptions>,
          (options) =>
            Effect.map(failureOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", 80, options)), (error) =>
              `${error._tag}: ${error.message}`)
        )
        expect(messages).toEqual([
          "IllegalArgumentException: delay must not be negative or NaN, got -1",
          "IllegalArgumentException: delay must not be negative or NaN, got NaN",
          "IllegalArgumentException: delay must not be negative or NaN, got -5 millis",
          "IllegalArgumentException: delay is not a duration: \"soon\"",
          "IllegalArgumentException: family must be 0, 4 or 6, got 5",
          "IllegalArgumentException: firstAddressFamilyCount must be an integer of at least 1, got 0",
          "IllegalArgumentException: resolutionDelay must be a duration of at least 0, got \"abc\"",
          "IllegalArgumentException: resolver must be a function"
        ])
      }).pipe(Effect.provide(names)))

    /** The sockets destroyed while `self` runs. */
    const destroyedBy = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.map(destroyedDuring(self, (socket) => socket), ([, destroyed]) => destroyed)

    it.scopedLive("a failed connect leaves nothing in the caller's scope; a connected one, its socket's close", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const refused = yield* refusedPort("127.0.0.1")
        const caller = yield* Scope.make()
        for (let i = 0; i < 3; i++) {
          yield* Effect.flip(Scope.extend(NodeHappyEyeballs.createConnectedSock("127.0.0.1", refused), caller))
        }
        // Each refused socket was destroyed as it failed: closing the scope has none to close.
        expect(yield* destroyedBy(Scope.close(caller, Exit.void))).toEqual([])
        const scope = yield* Scope.make()
        const socket = yield* Scope.extend(NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port), scope)
        expect(socket.destroyed).toBe(false)
        expect(yield* destroyedBy(Scope.close(scope, Exit.void))).toEqual([socket])
      }).pipe(Effect.provide(names)))
  })

  describe("names", () => {
    // Only IPv4: this machine's /etc/hosts has no ::1 for localhost, and asking for IPv6 would
    // send a DNS query off the machine.
    it.scopedLive("localhost through the system resolver", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const socket = yield* NodeHappyEyeballs.createConnectedSock("localhost", server.port, { family: 4 })
        expect(socket.remoteAddress).toBe("127.0.0.1")
      }).pipe(Effect.provide(NodeGetAddrInfo.layer)))

    it.scopedLive("both families listening: IPv6 wins (RFC 8305 section 3: AAAA first)", () =>
      Effect.gen(function*() {
        const { port, v4, v6 } = yield* dualServers({ v6: "echo", v4: "echo" })
        const socket = yield* NodeHappyEyeballs.createConnectedSock("dual.test", port)
        expect(socket.remoteFamily).toBe("IPv6")
        expect(v6?.seen).toHaveLength(1)
        expect(v4?.seen).toHaveLength(0)
      }).pipe(Effect.provide(names)))

    it.scopedLive("IPv6 refused: IPv4 starts at once and wins", () =>
      Effect.gen(function*() {
        const { port } = yield* dualServers({ v6: "refused", v4: "echo" })
        // With the delay at one minute, only the IPv6 failure can start IPv4 in time.
        const socket = yield* NodeHappyEyeballs.createConnectedSock("dual.test", port, { delay: "1 minute" })
        expect(socket.remoteFamily).toBe("IPv4")
      }).pipe(Effect.provide(names)))

    it.scopedLive("family 4 skips IPv6", () =>
      Effect.gen(function*() {
        const { port } = yield* dualServers({ v6: "echo", v4: "echo" })
        const socket = yield* NodeHappyEyeballs.createConnectedSock("dual.test", port, { family: 4 })
        expect(socket.remoteFamily).toBe("IPv4")
      }).pipe(Effect.provide(names)))

    it.scopedLive("all refused, on different addresses: a ConnectError listing each DialError in start order", () =>
      Effect.gen(function*() {
        const { port } = yield* dualServers({ v6: "refused", v4: "refused" })
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("dual.test", port))
        expect(ConnectError.isConnectError(error)).toBe(true)
        if (!ConnectError.isConnectError(error)) return
        expect(error.errors.map((e) => DialError.isDialError(e) && [e.remote.address, e.code])).toEqual([
          ["::1", "ECONNREFUSED"],
          ["127.0.0.1", "ECONNREFUSED"]
        ])
        expect(error.message).toBe(
          `Multiple exceptions: connect ECONNREFUSED [::1]:${port}, connect ECONNREFUSED 127.0.0.1:${port}`
        )
      }).pipe(Effect.provide(names)))

    it.scopedLive("raiseExcGroup: every DialError in the Cause", () =>
      Effect.gen(function*() {
        const { port } = yield* dualServers({ v6: "refused", v4: "refused" })
        const exit = yield* Effect.exit(
          NodeHappyEyeballs.createConnectedSock("dual.test", port, { raiseExcGroup: true })
        )
        expect(exit._tag).toBe("Failure")
        if (exit._tag !== "Failure") return
        expect(Cause.failures(exit.cause).pipe(Chunk.toArray).map((e) => e._tag)).toEqual(["DialError", "DialError"])
      }).pipe(Effect.provide(names)))

    it.scopedLive("an unknown name is the ResolveError", () =>
      Effect.gen(function*() {
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("unknown.test", 80))
        expect(GetAddrInfo.isResolveError(error)).toBe(true)
      }).pipe(Effect.provide(names)))
  })

  describe("local addresses", () => {
    it.scopedLive("binds 127.0.0.2 for IPv4: the server sees it", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const socket = yield* NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, {
          localAddrs: [{ address: "127.0.0.2" }]
        })
        expect(socket.localAddress).toBe("127.0.0.2")
        const [seen] = yield* server.accepted(1)
        expect(seen.remoteAddress).toBe("127.0.0.2")
      }).pipe(Effect.provide(names)))

    it.scopedLive("binds a local port for IPv6", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("::1")
        const localPort = yield* refusedPort("::1")
        yield* NodeHappyEyeballs.createConnectedSock("::1", server.port, {
          localAddrs: [{ address: "::1", port: localPort }]
        })
        const [seen] = yield* server.accepted(1)
        expect(seen).toMatchObject({ remoteAddress: "::1", remotePort: localPort })
      }).pipe(Effect.provide(names)))

    it.scopedLive("each remote is dialled from the local addresses of its own family", () =>
      Effect.gen(function*() {
        const { port, v4, v6 } = yield* dualServers({ v6: "refused", v4: "echo" })
        expect(v6).toBeUndefined()
        const attempts: Array<string> = []
        const socket = yield* NodeHappyEyeballs.createConnectedSock("dual.test", port, {
          localAddrs: [{ address: "127.0.0.3" }, { address: "::1" }],
          onEvent: (event) =>
            Effect.sync(() => {
              if ("remote" in event) attempts.push(`${event._tag} ${event.remote.address}<-${event.local?.address}`)
            })
        })
        // IPv6 first, from the IPv6 local address only; then IPv4 from the IPv4 one.
        expect(attempts).toEqual([
          "AttemptStarted ::1<-::1",
          "AttemptFailed ::1<-::1",
          "AttemptStarted 127.0.0.1<-127.0.0.3",
          "Connected 127.0.0.1<-127.0.0.3"
        ])
        expect(socket.localAddress).toBe("127.0.0.3")
        const [seen] = yield* v4!.accepted(1)
        expect(seen.remoteAddress).toBe("127.0.0.3")
      }).pipe(Effect.provide(names)))

    it.scopedLive("a local address that does not exist: a DialError with EADDRNOTAVAIL", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, {
          // TEST-NET-1: never assigned to this machine, so the bind fails before any packet.
          localAddrs: [{ address: "192.0.2.1" }]
        }))
        expect(DialError.isDialError(error)).toBe(true)
        if (!DialError.isDialError(error)) return
        expect(error.code).toBe("EADDRNOTAVAIL")
        expect(error.local).toEqual({ address: "192.0.2.1" })
        expect(error.message).toBe(`bind EADDRNOTAVAIL 127.0.0.1:${server.port} (from 192.0.2.1)`)
        expect(server.seen).toHaveLength(0)
      }).pipe(Effect.provide(names)))

    it("a link-local remote borrows the zone of its local address (RFC 4007)", () => {
      const remote = { family: 6 as const, address: "fe80::1", port: 80 }
      expect(remoteHost(remote, { address: "fe80::2%eth0" })).toBe("fe80::1%eth0")
      expect(remoteHost(remote, { address: "fe80::2" })).toBe("fe80::1")
      expect(remoteHost({ ...remote, address: "fe80::1%lo" }, { address: "fe80::2%eth0" })).toBe("fe80::1%lo")
      expect(remoteHost({ ...remote, address: "2001:db8::1" }, { address: "fe80::2%eth0" })).toBe("2001:db8::1")
      expect(remoteHost(remote, undefined)).toBe("fe80::1")
    })
  })

  describe("defaults", () => {
    it.scopedLive("layerDefaults applies to every connect; an explicit option wins", () =>
      Effect.gen(function*() {
        const server = yield* tcpServer("127.0.0.1")
        const connect = (options?: NodeHappyEyeballs.ConnectOptions) =>
          Effect.map(NodeHappyEyeballs.createConnectedSock("127.0.0.1", server.port, options), (s) => s.localAddress)
        const defaults = NodeHappyEyeballs.layerDefaults({ localAddrs: [{ address: "127.0.0.4" }] })
        expect(yield* Effect.provide(connect(), defaults)).toBe("127.0.0.4")
        expect(yield* Effect.provide(connect({ localAddrs: [{ address: "127.0.0.5" }] }), defaults)).toBe("127.0.0.5")
        expect(yield* Effect.provide(connect({ localAddrs: undefined }), defaults)).toBe("127.0.0.4")
        expect(yield* connect()).toBe("127.0.0.1")
      }).pipe(Effect.provide(names)))

    /** The order of the attempts, read from a connect in which all are refused, one at a time. */
    const attemptOrder = (options: NodeHappyEyeballs.ConnectOptions) =>
      Effect.gen(function*() {
        const port = yield* refusedPort("127.0.0.1")
        const error = yield* failureOf(NodeHappyEyeballs.createConnectedSock("two-by-two.test", port, options))
        return ConnectError.isConnectError(error) ?
          error.errors.map((e) => DialError.isDialError(e) ? e.remote.family : "?") :
          error
      })

    it.scopedLive("firstAddressFamilyCount binds the concurrent resolver (RFC 8305 section 4)", () =>
      Effect.gen(function*() {
        expect(yield* attemptOrder({ delay: null })).toEqual([6, 4, 6, 4])
        expect(yield* attemptOrder({ delay: null, firstAddressFamilyCount: 2 })).toEqual([6, 6, 4, 4])
        const defaults = NodeHappyEyeballs.layerDefaults({ firstAddressFamilyCount: 2 })
        expect(yield* Effect.provide(attemptOrder({ delay: null }), defaults)).toEqual([6, 6, 4, 4])
      }).pipe(Effect.provide(names)))

    it.scopedLive("resolutionDelay binds the concurrent resolver (RFC 8305 section 3)", () =>
      Effect.gen(function*() {
        const { port } = yield* dualServers({ v6: "refused", v4: "refused" })
        const first = (options: NodeHappyEyeballs.ConnectOptions) =>
          failureOf(NodeHappyEyeballs.createConnectedSock("late-v6.test", port, { delay: null, ...options })).pipe(
            Effect.map((error) =>
              ConnectError.isConnectError(error) && DialError.isDialError(error.errors[0]) ?
                error.errors[0].remote.family :
                error
            )
          )
        // IPv6 answers 100 ms after IPv4: waited for with a 10 s resolution delay, not with 0.
        expect(yield* first({ resolutionDelay: "10 seconds" })).toBe(6)
        expect(yield* first({ resolutionDelay: 0 })).toBe(4)
      }).pipe(Effect.provide(names)))
  })
})

describe("NodeHappyEyeballs.openConnection", () => {
  it.scopedLive("echo round trip: write, half-close, read to the end", () =>
    Effect.gen(function*() {
      const { port } = yield* dualServers({ v6: "echo", v4: "echo" })
      const connection = yield* NodeHappyEyeballs.openConnection("dual.test", port)
      expect(connection.remote).toEqual({ family: 6, address: "::1", port })
      yield* connection.write("hello, ")
      yield* connection.write(new TextEncoder().encode("world"))
      yield* connection.end
      expect(text(yield* Stream.runCollect(connection.reader))).toBe("hello, world")
    }).pipe(Effect.provide(names)))

  it.scopedLive("the reader can stop and go on where it stopped", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const { end, reader, write } = yield* NodeHappyEyeballs.openConnection("127.0.0.1", server.port)
      yield* write("first")
      const first = yield* reader.pipe(Stream.take(1), Stream.runCollect)
      expect(text(first)).toBe("first")
      yield* write("second")
      yield* end
      expect(text(yield* Stream.runCollect(reader))).toBe("second")
    }).pipe(Effect.provide(names)))

  it.scopedLive("the connection closes with its scope", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      yield* Effect.scoped(NodeHappyEyeballs.openConnection("127.0.0.1", server.port))
      const [seen] = yield* server.accepted(1)
      yield* Deferred.await(seen.closed)
    }).pipe(Effect.provide(names)))

  it.scopedLive("a peer's reset fails the reader with a Read error that holds ECONNRESET", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1", { mode: "reset" })
      const { reader, write } = yield* NodeHappyEyeballs.openConnection("127.0.0.1", server.port)
      yield* write("reset me")
      const error = yield* Effect.flip(Stream.runDrain(reader))
      expect(error).toBeInstanceOf(Socket.SocketGenericError)
      expect(error).toMatchObject({ reason: "Read", cause: { code: "ECONNRESET" } })
    }).pipe(Effect.provide(names)))

  it.scopedLive("end is idempotent, and a write after it fails with a Write error", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const { end, write } = yield* NodeHappyEyeballs.openConnection("127.0.0.1", server.port)
      yield* end
      yield* end
      const error = yield* Effect.flip(write("too late"))
      expect(error).toBeInstanceOf(Socket.SocketGenericError)
      expect(error).toMatchObject({ reason: "Write", cause: { code: "ERR_STREAM_WRITE_AFTER_END" } })
    }).pipe(Effect.provide(names)))

  it.scopedLive("write of a chunk that is neither a string nor bytes is an IllegalArgumentException", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const { end, reader, write } = yield* NodeHappyEyeballs.openConnection("127.0.0.1", server.port)
      for (const chunk of [5, null, undefined, { length: 1 }]) {
        const error = yield* Effect.flip(write(chunk as never))
        expect(error).toBeInstanceOf(Cause.IllegalArgumentException)
        expect(error.message).toBe(`write: a chunk must be a string or a Uint8Array, got ${typeof chunk}`)
      }
      yield* write("still open")
      yield* end
      expect(text(yield* Stream.runCollect(reader))).toBe("still open")
    }).pipe(Effect.provide(names)))

  it.scopedLive("end on a socket destroyed here fails with a Write error, as write does; it does not hang", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const { end, socket, write } = yield* NodeHappyEyeballs.openConnection("127.0.0.1", server.port)
      socket.destroy()
      const writeError = yield* Effect.flip(write("too late"))
      expect(writeError).toMatchObject({ reason: "Write", cause: { code: "ERR_STREAM_DESTROYED" } })
      const endError = yield* Effect.flip(end).pipe(Effect.timeout("2 seconds"))
      expect(endError).toBeInstanceOf(Socket.SocketGenericError)
      expect(endError).toMatchObject({ reason: "Write", cause: { code: "ERR_STREAM_DESTROYED" } })
    }).pipe(Effect.provide(names)))

  it.scopedLive("end after the connection's scope has closed fails with a Write error; it does not hang", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const { end } = yield* Effect.scoped(NodeHappyEyeballs.openConnection("127.0.0.1", server.port))
      const error = yield* Effect.flip(end).pipe(Effect.timeout("2 seconds"))
      expect(error).toMatchObject({ reason: "Write", cause: { code: "ERR_STREAM_DESTROYED" } })
    }).pipe(Effect.provide(names)))

  it.scopedLive("end after end and the scope's close still completes", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const { end } = yield* Effect.scoped(
        Effect.tap(NodeHappyEyeballs.openConnection("127.0.0.1", server.port), ({ end }) => end)
      )
      yield* end.pipe(Effect.timeout("2 seconds"))
    }).pipe(Effect.provide(names)))
})

describe("NodeHappyEyeballs.createConnection", () => {
  it.scopedLive("an Effect Socket: echo round trip", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("::1")
      const socket = yield* NodeHappyEyeballs.createConnection("v6.test", server.port)
      const received: Array<Uint8Array> = []
      const reading = yield* Effect.fork(socket.run((chunk) => {
        received.push(chunk)
      }))
      // Closing the writer's scope half-closes; the echo server then ends, which ends `run`.
      yield* Effect.scoped(Effect.flatMap(socket.writer, (write) => write("ping")))
      yield* Fiber.join(reading)
      expect(Buffer.concat(received).toString()).toBe("ping")
    }).pipe(Effect.provide(names)))
})

class Echo extends Context.Tag("test/Echo")<
  Echo,
  { readonly roundTrip: (text: string) => Effect.Effect<string, Socket.SocketError> }
>() {}

describe("NodeHappyEyeballs.layerSocket", () => {
  it.scopedLive("provides a connected Socket to a Layer graph and closes it with the layer", () =>
    Effect.gen(function*() {
      const server = yield* tcpServer("127.0.0.1")
      const EchoLive = Layer.effect(
        Echo,
        Effect.map(Socket.Socket, (socket) => ({
          roundTrip: (message: string) =>
            Effect.gen(function*() {
              const reply = yield* Deferred.make<string>()
              const reading = yield* Effect.fork(
                socket.run((chunk) => Deferred.succeed(reply, new TextDecoder().decode(chunk)))
              )
              yield* Effect.scoped(Effect.flatMap(socket.writer, (write) => write(message)))
              const text = yield* Deferred.await(reply)
              yield* Fiber.interrupt(reading)
              return text
            })
        }))
      )
      const graph = EchoLive.pipe(
        Layer.provide(NodeHappyEyeballs.layerSocket("v4.test", server.port)),
        Layer.provide(names)
      )
      const reply = yield* Effect.provide(Effect.flatMap(Echo, (echo) => echo.roundTrip("hi")), graph)
      expect(reply).toBe("hi")
      const [seen] = yield* server.accepted(1)
      yield* Deferred.await(seen.closed)
    }))

  it.scopedLive("a layer that cannot connect fails to build with the error", () =>
    Effect.gen(function*() {
      const port = yield* refusedPort("127.0.0.1")
      const error = yield* Effect.flip(
        Layer.build(NodeHappyEyeballs.layerSocket("127.0.0.1", port)).pipe(Effect.provide(names))
      )
      expect(error._tag).toBe("DialError")
    }))
})
