/**
 * Loopback throughput: sequential connect + close of an IP literal with `createConnectedSock`
 * against a raw `net.connect` loop, in the same run, to a server in a child process (so that
 * accepting costs neither side's event loop). The modes take turns for a few rounds and each
 * keeps its best round, which is what a busy machine can measure. Three more modes split the
 * cost: node's dial alone; the floor of any connect built as the design asks (the dial in a
 * scope of its own, in a span, inside the caller's scope), with no argument checks, resolver or
 * race; and core's `connectWith` over a dial that does no I/O. Then heap and libuv resources
 * before and after 10,000 connects.
 *
 * Every connect takes `connectWith`, an IP literal too (one attempt, no resolver, no timer).
 * A last mode connects to a name through the race: an in-memory lookup answers 127.0.0.1 for
 * IPv4 and nothing for IPv6, so both lookups, the resolver's stream and the race run.
 *
 *   node --expose-gc --import tsx --conditions=@effect-stagger/source packages/node/bench/loopback.ts [connects=2000] [rounds=3] [--same-process] [--curve] [--steps]
 *
 * `--curve` measures instead what a connect costs as a fresh process makes more of them: the
 * mean per connect over the 1st, the 2nd-10th, ..., the 1,001st-3,000th, for
 * `createConnectedSock` first and then for raw `net.connect` (so raw starts with Node's socket
 * code already warmed by ours). V8 interprets a function until it has run often enough to be
 * compiled; this shows how many connects that takes.
 *
 * `--steps` counts instead the fiber runtime's steps (effects evaluated, seen by a `Supervisor`
 * with op supervision on) of one `createConnectedSock` + close to an IP literal, connected and
 * refused, the harness's own steps subtracted: unlike time, the count is the same on every run.
 *
 * Exact heap figures need a forced GC: NODE_OPTIONS=--expose-gc.
 */
import { GetAddrInfo, HappyEyeballs } from "@effect-stagger/core"
import { NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import * as ChildProcess from "node:child_process"
import * as Net from "node:net"
import { counted, Counter } from "../../core/bench/counter.js"

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const N = Number(args[0] ?? 2000)
const ROUNDS = Number(args[1] ?? 3)
// With --same-process the server shares this process's event loop and core, as in the
// measurement of REFERENCE.md §4 (raw ~170 us); by default it runs in a child process.
const SAME_PROCESS = process.argv.includes("--same-process")
const HOST = "127.0.0.1"
const CURVE = process.argv.includes("--curve")
const STEPS = process.argv.includes("--steps")

const startServer = () => SAME_PROCESS ? startLocalServer() : startChildServer()

const startLocalServer = () =>
  new Promise<{ port: number; child: { kill: () => void } }>((resolve) => {
    const server = Net.createServer((s) => {
      s.on("error", () => {})
      s.resume()
    })
    server.listen({ host: HOST, port: 0, backlog: 4096 }, () =>
      resolve({ port: (server.address() as Net.AddressInfo).port, child: { kill: () => server.close() } }))
  })

const startChildServer = () =>
  new Promise<{ port: number; child: ChildProcess.ChildProcess }>((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, [
      "-e",
      `const net = require("node:net")
      const server = net.createServer((s) => { s.on("error", () => {}); s.resume() })
      server.listen({ host: "${HOST}", port: 0, backlog: 4096 }, () => console.log(server.address().port))`
    ], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout!.once("data", (data: Buffer) => resolve({ port: Number(data.toString().trim()), child }))
    child.once("error", reject)
  })

const rawOnce = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const socket = Net.connect({ host: HOST, port, autoSelectFamily: false }, () => {
      socket.destroy()
      resolve()
    })
    socket.once("error", reject)
  })

const connectOnce = (port: number) => Effect.scoped(NodeHappyEyeballs.createConnectedSock(HOST, port))

const heapMiB = () => {
  globalThis.gc?.()
  return (process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)
}

/** Connects made so far, at the end of each bucket of the curve. */
const curveBuckets = [1, 10, 100, 1_000, 3_000]

const curve = async (name: string, once: () => Promise<unknown>) => {
  const cells: Array<string> = []
  let done = 0
  for (const end of curveBuckets) {
    const start = process.hrtime.bigint()
    const count = end - done
    for (; done < end; done++) await once()
    const micros = Number(process.hrtime.bigint() - start) / 1000 / count
    cells.push(`${count === 1 ? `#${end}` : `#${end - count + 1}-${end}`}: ${micros.toFixed(0)} us`)
  }
  console.log(`${name.padEnd(22)} ${cells.join("  ")}`)
}

type Runtime = ManagedRuntime.ManagedRuntime<GetAddrInfo.GetAddrInfo, never>

const curves = async (runtime: Runtime, port: number) => {
  const connect = connectOnce(port)
  await runtime.runPromise(Effect.void)
  console.log(`Mean time per sequential connect + close to ${HOST}:${port}, by connects made in this process`)
  await curve("createConnectedSock", () => runtime.runPromise(connect))
  await curve("raw net.connect", () => rawOnce(port))
}

/** The steps the fiber runtime takes to run `effect` (its failure included). */
const stepsOf = async (runtime: Runtime, effect: Effect.Effect<unknown, unknown, GetAddrInfo.GetAddrInfo>) => {
  const counter = new Counter()
  await runtime.runPromise(counted(Effect.either(effect), counter))
  return counter.steps
}

const steps = async (runtime: Runtime, port: number) => {
  const harness = await stepsOf(runtime, Effect.scoped(Effect.void))
  const refused = Effect.scoped(NodeHappyEyeballs.createConnectedSock(HOST, 1))
  for (const [name, effect] of [["connected", connectOnce(port)], ["refused (port 1)", refused]] as const) {
    await stepsOf(runtime, effect) // the first run also builds what later runs reuse
    console.log(`createConnectedSock + close to ${HOST}, ${name}: ${(await stepsOf(runtime, effect)) - harness} steps`)
  }
}

const main = async () => {
  const { child, port } = await startServer()
  const runtime = ManagedRuntime.make(NodeGetAddrInfo.layer)
  await (STEPS ? steps(runtime, port) : CURVE ? curves(runtime, port) : throughput(runtime, port))
  await runtime.dispose()
  child.kill()
}

/** A resolver in memory: 127.0.0.1 for IPv4, no IPv6 address. */
const inMemory = GetAddrInfo.GetAddrInfo.of({
  lookup: (_host, port, { family }) => Effect.succeed(family === 6 ? [] : [{ family: 4, address: HOST, port }])
})

const throughput = async (runtime: Runtime, port: number) => {
  const remote = { family: 4 as const, address: HOST, port }
  const connect = connectOnce(port)
  const loop = (n: number) => runtime.runPromise(Effect.repeatN(connect, n - 1))
  // A tracer of the program's own, as OpenTelemetry's would be (this one hands Effect's own
  // spans on and keeps none).
  const native = await runtime.runPromise(Effect.tracer)
  const passThrough = Tracer.make({ span: native.span, context: native.context })
  // connectWith's one attempt at its bare minimum: a span, a child scope closed at once on
  // failure, the dial in it.
  const floor = Effect.scoped(
    Effect.flatMap(
      Effect.scope,
      (caller) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(Scope.fork(caller, ExecutionStrategy.sequential), (attempt) =>
            Effect.onError(
              restore(Scope.extend(NodeHappyEyeballs.dial(remote, undefined), attempt)),
              (cause) => Scope.close(attempt, Exit.failCause(cause))
            ))
        )
    ).pipe(Effect.withSpan("floor", { kind: "client", captureStackTrace: false, attributes: { host: HOST, port } }))
  )

  const modes: Record<string, (n: number) => Promise<unknown>> = {
    "raw net.connect": async (n) => {
      for (let i = 0; i < n; i++) await rawOnce(port)
    },
    "createConnectedSock, one Effect loop": loop,
    "createConnectedSock, runPromise per connect": async (n) => {
      for (let i = 0; i < n; i++) await runtime.runPromise(connect)
    },
    "createConnectedSock, a tracer installed": (n) =>
      runtime.runPromise(Effect.repeatN(connect, n - 1).pipe(Effect.withTracer(passThrough))),
    "(node dial alone, no race)": (n) =>
      runtime.runPromise(Effect.repeatN(Effect.scoped(NodeHappyEyeballs.dial(remote, undefined)), n - 1)),
    "(connectWith's floor: span, scope, dial)": (n) => runtime.runPromise(Effect.repeatN(floor, n - 1)),
    "createConnectedSock to a name (in-memory lookup)": (n) =>
      runtime.runPromise(
        Effect.repeatN(Effect.scoped(NodeHappyEyeballs.createConnectedSock("loopback.test", port)), n - 1).pipe(
          Effect.provideService(GetAddrInfo.GetAddrInfo, inMemory)
        )
      ),
    "(core connectWith, dial without I/O)": (n) =>
      runtime.runPromise(
        Effect.repeatN(Effect.scoped(HappyEyeballs.connectWith({ host: HOST, port, dial: () => Effect.void })), n - 1)
      )
  }

  for (const run of Object.values(modes)) await run(300) // warm up the JIT and the runtime
  const best: Record<string, number> = {}
  const cpu: Record<string, number> = {}
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(modes)) {
      const start = process.hrtime.bigint()
      const startCpu = process.cpuUsage()
      await run(N)
      const micros = Number(process.hrtime.bigint() - start) / 1000 / N
      const used = process.cpuUsage(startCpu)
      best[name] = Math.min(best[name] ?? Infinity, micros)
      cpu[name] = Math.min(cpu[name] ?? Infinity, (used.user + used.system) / N)
    }
  }

  console.log(`${N} sequential connect + close to ${HOST}:${port}, best of ${ROUNDS} rounds`)
  const raw = best["raw net.connect"]
  for (const [name, micros] of Object.entries(best)) {
    const ratio = name.startsWith("(") ? "" : `  ${(raw / micros).toFixed(2)}x raw`
    console.log(
      `${name.padEnd(44)} ${micros.toFixed(1).padStart(7)} us ${(1e6 / micros).toFixed(0).padStart(7)}/s` +
        ` (CPU ${cpu[name].toFixed(1).padStart(6)} us)${ratio}`
    )
  }

  const before = { heap: heapMiB(), resources: process.getActiveResourcesInfo() }
  await loop(10_000)
  await new Promise((resolve) => setImmediate(resolve))
  const after = { heap: heapMiB(), resources: process.getActiveResourcesInfo() }
  console.log(
    `10,000 connects: heapUsed ${before.heap} -> ${after.heap} MiB${globalThis.gc ? "" : " (no --expose-gc)"}`
  )
  console.log(
    `active resources ${before.resources.length} -> ${after.resources.length} (${after.resources.join(", ")})`
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
