/**
 * client.ts: effect-stagger's own connect, timed, for the lab (the counterpart of baseline.mjs).
 *
 * Why: tests and benchmarks compare our connect with Node's in the same situation: a fresh
 * process in the lab's client namespace, resolving through the lab DNS. This is that process.
 *
 * Usage (as root, from the repository root, inside the client namespace):
 *   ip netns exec stg-c-ID node --import tsx --conditions=@effect-stagger/source packages/node/test/lab/client.ts \
 *     HOST PORT [--local ADDR]... [--resolver system|dns] [--dns-server ADDR]... \
 *     [--delay MS] [--resolution-delay MS] [--timeout MS] [--cold] [--second] [--history]
 * `--import tsx` loads TypeScript; `--conditions=@effect-stagger/source` makes
 * `@effect-stagger/*` resolve to the sources, so nothing needs building (a condition of our own:
 * a consumer's tooling may set a plain `source`). `--resolver system` (default) is
 * `NodeGetAddrInfo.layer` (getaddrinfo, which reads the namespace's resolv.conf: the lab DNS);
 * `dns` is `NodeGetAddrInfo.layerDns` with the `--dns-server`s. `--local` adds one local
 * address to bind (the library pairs each remote with the local addresses of its family).
 *
 * Timing: `ms` runs from a `Clock` read just before `createConnectedSock` to the Clock read
 * after it returned the connected socket, so it includes the lookups, the race and the
 * library's own overhead, as baseline.mjs includes Node's `dns.lookup`. `connectedAt` is the
 * `Connected` Trace event's `at` (ms since the connect began, after its argument checks).
 * `startup` says where a fresh process spends its time before that: `loaded` (process start to
 * this module's body, i.e. Node, tsx and every import) and `connectCall` (process start to the
 * timed connect call, so it also holds the warm-up), both from `performance.now()`, whose origin
 * is the process start.
 *
 * Warm-up, as baseline.mjs does, untimed: one connect to a name the lab DNS does not know
 * (getaddrinfo's NSS modules and libuv's thread pool; both lookups fail) and one to localhost
 * port 9, where nothing listens in the client namespace (our dial and race code; both
 * attempts refused), each through `createConnectedSock` with the same layer. `--cold` (or
 * STG_CLIENT_COLD=1) skips it, to measure a user's very first connect. `--second` times the second
 * of two connects to HOST (the first untimed, right before it), and `--history` gives both
 * `History.layerMemory()`, so that the second can learn from the first.
 *
 * After connecting it sends one line through the echo server and reads it back, then prints one
 * JSON line (the last line of stdout) and exits:
 *   {"ok":true,"ms":1.9,"remote":"2001:db8:1::10","family":6,"local":null,"rttMs":0.3,"echo":true,
 *    "connectedAt":1.7,"startup":{"loaded":420.1,"connectCall":431.5},"events":[...]}   exit 0
 *   {"ok":false,"ms":250.1,"error":"...","events":[...],...}                             exit 1
 * A hard timeout (`--timeout`, or $STG_CLIENT_TIMEOUT_MS, default 15 s) ends it with ok:false
 * and exit 2.
 */
import type * as ConnectError from "@effect-stagger/core/ConnectError"
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as History from "@effect-stagger/core/History"
import type * as Trace from "@effect-stagger/core/Trace"
import * as NodeGetAddrInfo from "@effect-stagger/node/NodeGetAddrInfo"
import * as NodeHappyEyeballs from "@effect-stagger/node/NodeHappyEyeballs"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Module from "node:module"
import type * as Net from "node:net"
import { performance } from "node:perf_hooks"
import * as Url from "node:url"
import * as Lab from "./Lab.js"

/** Process start to here: Node's own start, tsx, and every import above. */
const loadedAt = performance.now()

const CompactEventSchema = Schema.Struct({
  tag: Schema.Literal(
    "Resolved",
    "ResolveFailed",
    "AttemptStarted",
    "AttemptFailed",
    "AttemptCancelled",
    "Connected",
    "HistoryApplied"
  ),
  at: Schema.Number,
  index: Schema.optional(Schema.Number),
  remote: Schema.optional(Schema.String),
  local: Schema.optional(Schema.String),
  family: Schema.optional(Schema.Number),
  addresses: Schema.optional(Schema.Array(Schema.String)),
  code: Schema.optional(Schema.String)
})

/** A `Trace.Event` as plain JSON: its tag, time and the addresses involved. */
export interface CompactEvent extends Schema.Schema.Type<typeof CompactEventSchema> {}

const StartupSchema = Schema.Struct({ loaded: Schema.Number, connectCall: Schema.Number })

/** Milliseconds since the process started: imports done, and the timed connect called. */
export interface Startup extends Schema.Schema.Type<typeof StartupSchema> {}

const ClientResultSchema = Schema.Union(
  Schema.Struct({
    ok: Schema.Literal(true),
    ms: Schema.Number,
    remote: Schema.String,
    family: Schema.Literal(4, 6),
    local: Schema.NullOr(Schema.String),
    rttMs: Schema.Number,
    echo: Schema.Boolean,
    connectedAt: Schema.NullOr(Schema.Number),
    startup: StartupSchema,
    events: Schema.Array(CompactEventSchema)
  }),
  Schema.Struct({
    ok: Schema.Literal(false),
    ms: Schema.Number,
    error: Schema.String,
    errors: Schema.optional(Schema.Array(Schema.String)),
    startup: Schema.optional(StartupSchema),
    events: Schema.optional(Schema.Array(CompactEventSchema))
  })
)

/** What the client prints: one JSON object, on the last line of stdout. */
export type ClientResult = Schema.Schema.Type<typeof ClientResultSchema>

/** Decodes the client's output (its last non-empty line). */
export const decodeClientResult = (stdout: string): Effect.Effect<ClientResult, ParseResult.ParseError> => {
  const lines = stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return Schema.decodeUnknown(Schema.parseJson(ClientResultSchema))(lines[lines.length - 1] ?? "")
}

/** The command line, parsed. */
export interface ClientArgs {
  readonly host: string
  readonly port: number
  readonly locals: ReadonlyArray<string>
  readonly resolver: "system" | "dns"
  readonly dnsServers: ReadonlyArray<string>
  readonly delayMs: number | undefined
  readonly resolutionDelayMs: number | undefined
  readonly timeoutMs: number
  readonly cold: boolean
  /** Time a second connect to the host, the first made untimed just before it. */
  readonly second: boolean
  /** Give the connects `History.layerMemory()` (Happy Eyeballs v3's history). */
  readonly history: boolean
}

const usage = "usage: client.ts HOST PORT [--local ADDR]... [--resolver system|dns] [--dns-server ADDR]... " +
  "[--delay MS] [--resolution-delay MS] [--timeout MS] [--cold] [--second] [--history]"

/** Parses the command line; `string` is the reason it is not valid. */
export const parseArgs = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv): ClientArgs | string => {
  const positional: Array<string> = []
  const locals: Array<string> = []
  const dnsServers: Array<string> = []
  let resolver: "system" | "dns" = "system"
  let delayMs: number | undefined
  let resolutionDelayMs: number | undefined
  let timeoutMs = Number(env.STG_CLIENT_TIMEOUT_MS ?? 15_000)
  let cold = env.STG_CLIENT_COLD === "1"
  let second = false
  let history = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    const number = (): number => {
      const text = value()
      const n = Number(text)
      if (!Number.isFinite(n) || n < 0) throw new Error(`${arg}: not a number of ms: ${text}`)
      return n
    }
    try {
      if (arg === "--local") locals.push(value())
      else if (arg === "--dns-server") dnsServers.push(value())
      else if (arg === "--resolver") {
        const name = value()
        if (name !== "system" && name !== "dns") return `--resolver: system or dns, not ${name}`
        resolver = name
      } else if (arg === "--delay") delayMs = number()
      else if (arg === "--resolution-delay") resolutionDelayMs = number()
      else if (arg === "--timeout") timeoutMs = number()
      else if (arg === "--cold") cold = true
      else if (arg === "--second") second = true
      else if (arg === "--history") history = true
      else if (arg.startsWith("--")) return `unknown option ${arg}`
      else positional.push(arg)
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  }
  const [host, portText] = positional
  const port = Number(portText)
  if (host === undefined || positional.length !== 2 || !Number.isInteger(port)) return usage
  return { host, port, locals, resolver, dnsServers, delayMs, resolutionDelayMs, timeoutMs, cold, second, history }
}

const compact = (event: Trace.Event): CompactEvent => {
  switch (event._tag) {
    case "Resolved":
      return {
        tag: event._tag,
        at: event.at,
        family: event.family,
        addresses: event.addresses.map((a) => a.address)
      }
    case "ResolveFailed":
      return { tag: event._tag, at: event.at, family: event.family, ...codeField(event.error.code) }
    case "AttemptFailed":
      return { ...attemptFields(event), ...codeField(event.code) }
    case "AttemptStarted":
    case "AttemptCancelled":
    case "Connected":
      return attemptFields(event)
    case "HistoryApplied":
      return { tag: event._tag, at: event.at, ...(event.remembered ? { remote: event.remembered.address } : {}) }
  }
}

const codeField = (code: string | undefined) => (code === undefined ? {} : { code })

const attemptFields = (
  event: Extract<Trace.Event, { readonly index: number }>
): CompactEvent => ({
  tag: event._tag,
  at: event.at,
  index: event.index,
  remote: event.remote.address,
  ...(event.local === undefined ? {} : { local: event.local.address })
})

/** Two decimals, as baseline.mjs prints. */
const round = (ms: number) => Math.round(ms * 100) / 100

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" &&
    error.message !== "" ?
    error.message :
    String(error)

/** One line through the echo server: the round trip time and whether it came back intact. */
const echo = (socket: Net.Socket) =>
  Effect.async<{ readonly rttMs: number; readonly echo: boolean }, string>((resume) => {
    const ping = Buffer.from("stagger-lab\n")
    const start = performance.now()
    let received = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.length >= ping.length) {
        cleanup()
        resume(Effect.succeed({ rttMs: round(performance.now() - start), echo: received.equals(ping) }))
      }
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.fail("connection closed before the echo"))
    }
    const onError = (error: Error) => {
      cleanup()
      resume(Effect.fail(`echo: ${error.message}`))
    }
    const cleanup = () => {
      socket.off("data", onData)
      socket.off("end", onEnd)
      socket.off("error", onError)
    }
    socket.on("data", onData)
    socket.on("end", onEnd)
    socket.on("error", onError)
    socket.write(ping)
    return Effect.sync(cleanup)
  })

/** The connect options the command line asks for, with `onEvent` appending to `events`. */
const connectOptions = (args: ClientArgs, events: Array<CompactEvent>): NodeHappyEyeballs.ConnectOptions => ({
  ...(args.locals.length === 0 ? {} : { localAddrs: args.locals.map((address) => ({ address })) }),
  ...(args.delayMs === undefined ? {} : { delay: Duration.millis(args.delayMs) }),
  ...(args.resolutionDelayMs === undefined ? {} : { resolutionDelay: Duration.millis(args.resolutionDelayMs) }),
  onEvent: (event) =>
    Effect.sync(() => {
      events.push(compact(event))
    })
})

/** Untimed: what a long-running program would have done before (see the header). */
const warmUp = Effect.forEach(
  ["warm-up.stg-lab.invalid", "localhost"],
  (host) => Effect.ignore(Effect.scoped(NodeHappyEyeballs.createConnectedSock(host, 9))),
  { discard: true }
)

const nanosToMs = (nanos: bigint) => Number(nanos / BigInt(1000)) / 1000

/** Why the timed part did not connect: the library's failure, the echo's, or the hard timeout. */
type Failure =
  | NodeHappyEyeballs.DialError
  | GetAddrInfo.ResolveError
  | ConnectError.ConnectError
  | Cause.IllegalArgumentException
  | { readonly _tag: "EchoFailed"; readonly ms: number; readonly error: string }
  | { readonly _tag: "Timeout" }

/** The timed connect and the echo; never fails: a failure is a `ClientResult` too. */
export const client = (args: ClientArgs): Effect.Effect<ClientResult, never, GetAddrInfo.GetAddrInfo> =>
  Effect.gen(function*() {
    if (!args.cold) yield* warmUp
    // The first connect to the host, untimed: what a second connect may have learned from.
    if (args.second) {
      yield* Effect.ignore(
        Effect.scoped(NodeHappyEyeballs.createConnectedSock(args.host, args.port, connectOptions(args, [])))
      )
    }
    const events: Array<CompactEvent> = []
    const options = connectOptions(args, events)
    const startup: Startup = { loaded: round(loadedAt), connectCall: round(performance.now()) }
    const start = yield* Clock.currentTimeNanos
    const exit = yield* Effect.exit(
      Effect.scoped(
        Effect.gen(function*() {
          const socket = yield* NodeHappyEyeballs.createConnectedSock(args.host, args.port, options)
          const ms = nanosToMs((yield* Clock.currentTimeNanos) - start)
          const roundTrip = yield* echo(socket).pipe(
            Effect.mapError((error): Failure => ({ _tag: "EchoFailed", ms, error }))
          )
          // Read before the scope closes: a destroyed socket has no remote address.
          return { ms, roundTrip, remote: socket.remoteAddress ?? "", family: socket.remoteFamily }
        })
      ).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(args.timeoutMs),
          onTimeout: (): Failure => ({ _tag: "Timeout" })
        })
      )
    )
    const elapsed = round(nanosToMs((yield* Clock.currentTimeNanos) - start))
    if (Exit.isSuccess(exit)) {
      const { family, ms, remote, roundTrip } = exit.value
      const connected = events.find((event) => event.tag === "Connected")
      const result: ClientResult = {
        ok: true,
        ms: round(ms),
        remote,
        family: family === "IPv6" ? 6 : 4,
        local: connected?.local ?? null,
        rttMs: roundTrip.rttMs,
        echo: roundTrip.echo,
        connectedAt: connected === undefined ? null : round(connected.at),
        startup,
        events
      }
      return result
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) return { ok: false, ms: elapsed, error: Cause.pretty(exit.cause), startup, events }
    const error = failure.value
    switch (error._tag) {
      case "Timeout":
        return { ok: false, ms: elapsed, error: `hard timeout after ${args.timeoutMs} ms`, startup, events }
      case "EchoFailed":
        return { ok: false, ms: round(error.ms), error: error.error, startup, events }
      case "ConnectError":
        return { ok: false, ms: elapsed, error: error.message, errors: error.errors.map(messageOf), startup, events }
      default:
        return { ok: false, ms: elapsed, error: messageOf(error), startup, events }
    }
  })

/** The resolver layer the command line asks for. */
export const resolverLayer = (args: ClientArgs): Layer.Layer<GetAddrInfo.GetAddrInfo> =>
  args.resolver === "system" ?
    NodeGetAddrInfo.layer :
    NodeGetAddrInfo.layerDns(args.dnsServers.length === 0 ? {} : { servers: args.dnsServers })

const exitCode = (result: ClientResult) => result.ok ? 0 : result.error.startsWith("hard timeout") ? 2 : 1

/** This file, for `Lab.exec`. */
export const clientScript: string = Url.fileURLToPath(import.meta.url)

/** tsx's loader, by absolute URL, so the client starts the same whatever the working directory. */
export const tsxLoader: string = Url.pathToFileURL(Module.createRequire(import.meta.url).resolve("tsx")).href

/** Options of `run`: the command line's, less host and port. */
export interface RunOptions {
  readonly port?: number | undefined
  /** Local addresses to bind (`--local`); the library pairs each with remotes of its family. */
  readonly locals?: ReadonlyArray<string> | undefined
  readonly resolver?: "system" | "dns" | undefined
  readonly dnsServers?: ReadonlyArray<string> | undefined
  readonly delayMs?: number | undefined
  readonly resolutionDelayMs?: number | undefined
  /** The client's own hard timeout; the process is killed 10 s after it. Default 15 s. */
  readonly timeoutMs?: number | undefined
  /** Skip the warm-up: a user's very first connect. */
  readonly cold?: boolean | undefined
  /** Time the second of two connects to the host (`--second`). */
  readonly second?: boolean | undefined
  /** With `History.layerMemory()` (`--history`). */
  readonly history?: boolean | undefined
}

/** The command that runs the client in a namespace, after `ip netns exec NS`. */
export const command = (host: string, port: number, options?: RunOptions): ReadonlyArray<string> => [
  process.execPath,
  "--import",
  tsxLoader,
  "--conditions=@effect-stagger/source",
  clientScript,
  host,
  String(port),
  ...(options?.locals ?? []).flatMap((address) => ["--local", address]),
  ...(options?.resolver === undefined ? [] : ["--resolver", options.resolver]),
  ...(options?.dnsServers ?? []).flatMap((server) => ["--dns-server", server]),
  ...(options?.delayMs === undefined ? [] : ["--delay", String(options.delayMs)]),
  ...(options?.resolutionDelayMs === undefined ? [] : ["--resolution-delay", String(options.resolutionDelayMs)]),
  ...(options?.timeoutMs === undefined ? [] : ["--timeout", String(options.timeoutMs)]),
  ...(options?.cold === true ? ["--cold"] : []),
  ...(options?.second === true ? ["--second"] : []),
  ...(options?.history === true ? ["--history"] : [])
]

/**
 * Runs the client as a fresh process in the lab's client namespace and decodes what it
 * printed. A connect that failed is an `ok: false` result; a client that printed no result is
 * a `LabError`.
 */
export const run = (lab: Lab.Lab, host: string, options?: RunOptions): Effect.Effect<ClientResult, Lab.LabError> => {
  const timeoutMs = options?.timeoutMs ?? 15_000
  return lab.exec(command(host, options?.port ?? lab.port, { ...options, timeoutMs }), {
    timeout: Duration.millis(timeoutMs + 10_000)
  }).pipe(
    Effect.flatMap((result) =>
      decodeClientResult(result.stdout).pipe(
        Effect.catchAll((error) =>
          new Lab.LabError({
            message: `client.ts printed no result (exit ${result.code}): ${result.stderr.trim()} ${error.message}`
          })
        )
      )
    )
  )
}

const main = (): void => {
  // tsx turns Node's source maps on, and Node reads the `stack` of every socket error as it
  // destroys the socket, which then maps each frame: about 50 us of each refused attempt here.
  // A deployed program runs compiled JavaScript without them, as baseline.mjs does.
  process.setSourceMapsEnabled(false)
  const args = parseArgs(process.argv.slice(2), process.env)
  if (typeof args === "string") {
    process.stderr.write(`${args}\n${usage}\n`)
    process.exit(64)
  }
  const layer = args.history ? Layer.merge(resolverLayer(args), History.layerMemory()) : resolverLayer(args)
  Effect.runPromise(Effect.provide(client(args), layer)).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(exitCode(result)))
    },
    (defect: unknown) => {
      process.stdout.write(
        JSON.stringify({ ok: false, ms: 0, error: `defect: ${String(defect)}` }) + "\n",
        () => process.exit(1)
      )
    }
  )
}

// Run only as a program: tests and the benchmark import `run` and the result's schema.
if (process.argv[1] !== undefined && Url.pathToFileURL(process.argv[1]).href === import.meta.url) main()
