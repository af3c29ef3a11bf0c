/**
 * The network lab, for tests and benchmarks: brings `lab.sh` up in a Scope and runs commands
 * in its client namespace.
 *
 * Why: Happy Eyeballs must be measured on paths that are slow, silent or refusing per address;
 * `lab.sh` builds them in two network namespaces (see docs/lab.md). This module gives test
 * code a scoped handle on one lab: `make` runs `lab.sh up` and registers `lab.sh down` as a
 * finalizer before the lab exists, so a failing or interrupted test still leaves nothing
 * behind. Test code runs in the root namespace; what must connect through the lab runs as a
 * fresh process in the client namespace via `Lab.exec` (`ip netns exec`), which also makes the
 * lab's DNS the resolver of that process.
 *
 * Needs root and the tools `lab.sh check` lists; `available` says whether they are here.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"

/** The folder of the lab's scripts. */
export const labDirectory: string = Path.dirname(Url.fileURLToPath(import.meta.url))

/** `lab.sh`: up, down, down-all, list, check. */
export const labScript: string = Path.join(labDirectory, "lab.sh")

/** `baseline.mjs`: times Node's own `net.connect` inside the client namespace. */
export const baselineScript: string = Path.join(labDirectory, "baseline.mjs")

/** What a server address does with TCP: accept, drop silently, or answer with a reset. */
export type Behaviour = "ok" | "drop" | "reset"

/** One server address of the lab. */
export interface ServerConfig {
  /** An IP literal in 198.18.0.0/15, 2001:db8::/32 or fd00::/8 (not the lab's link ranges). */
  readonly address: string
  /** Default `"ok"`. */
  readonly behaviour?: Behaviour
  /** Latency added to every TCP packet sent to this address (so to connect), in ms. Default 0. */
  readonly delayMs?: number
}

/** The answers of the lab DNS for one name. */
export interface DnsNameConfig {
  readonly A?: ReadonlyArray<string>
  readonly AAAA?: ReadonlyArray<string>
  /** Delay of the A answer, in ms. Default 0. */
  readonly aDelayMs?: number
  /** Delay of the AAAA answer, in ms. Default 0. */
  readonly aaaaDelayMs?: number
}

/** A lab: the config file `lab.sh up` reads, as JSON. */
export interface LabConfig {
  /** The echo server's TCP port on every server address. Default 8080. */
  readonly port?: number
  readonly servers: ReadonlyArray<ServerConfig>
  readonly dns?: { readonly names: Readonly<Record<string, DnsNameConfig>> }
  /** Extra local addresses of the client namespace, for binding (`localAddress`). */
  readonly clientAddresses?: ReadonlyArray<string>
}

/**
 * A lab could not be checked, built or used.
 */
export class LabError extends Data.TaggedError("LabError")<{ readonly message: string }> {}

/** What a process did. `code` is its exit code, or 128 + the signal number if killed. */
export interface ExecResult {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

/** Options of `Lab.exec`. */
export interface ExecOptions {
  /** Kill the process (its whole process group) and fail after this long. Default 30 s. */
  readonly timeout?: Duration.DurationInput
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>
  /** Written to the process's standard input, which is then closed. */
  readonly input?: string
}

/** One running lab. */
export interface Lab {
  readonly id: string
  /** The namespace to run clients in (`ip netns exec`). */
  readonly clientNamespace: string
  readonly serverNamespace: string
  /** The lab DNS server addresses: IPv4 first, then IPv6. */
  readonly dnsServers: ReadonlyArray<string>
  /** `/tmp/stg-lab-ID`: pids, logs (`dns.log`, `echo.log`, `nfq-delay.log`), the config. */
  readonly stateDir: string
  /** The echo server's port. */
  readonly port: number
  readonly serverAddresses: ReadonlyArray<string>
  /** The extra local addresses of the config (`clientAddresses`). */
  readonly clientAddresses: ReadonlyArray<string>
  /** The client's own addresses on the link: IPv4, then IPv6. */
  readonly clientLinkAddresses: ReadonlyArray<string>
  /** Runs `argv` as a fresh process in the client namespace. A non-zero exit is not a failure. */
  readonly exec: (argv: ReadonlyArray<string>, options?: ExecOptions) => Effect.Effect<ExecResult, LabError>
}

const LabInfo = Schema.Struct({
  id: Schema.String,
  clientNamespace: Schema.String,
  serverNamespace: Schema.String,
  dnsServers: Schema.Array(Schema.String),
  stateDir: Schema.String,
  port: Schema.Number,
  serverAddresses: Schema.Array(Schema.String),
  clientAddresses: Schema.Array(Schema.String),
  clientLinkAddresses: Schema.Array(Schema.String)
})

const decodeInfo = Schema.decodeUnknown(Schema.parseJson(LabInfo))

const defaultTimeout = Duration.seconds(30)

const signalNumber = (signal: NodeJS.Signals): number => Os.constants.signals[signal] ?? 0

/**
 * Runs a command to completion and collects its output. It runs in its own process group;
 * on timeout or interruption the whole group is killed.
 */
export const run = (
  file: string,
  args: ReadonlyArray<string>,
  options?: ExecOptions
): Effect.Effect<ExecResult, LabError> => {
  const timeout = options?.timeout ?? defaultTimeout
  const spawned = Effect.async<ExecResult, LabError>((resume) => {
    const child = ChildProcess.spawn(file, [...args], {
      detached: true,
      env: options?.env === undefined ? process.env : { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"]
    })
    const stdout: Array<Buffer> = []
    const stderr: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk))
    child.stdin.on("error", () => undefined) // the child may exit without reading its input
    child.stdin.end(options?.input ?? "")
    child.on("error", (error) => resume(Effect.fail(new LabError({ message: `${file}: ${error.message}` }))))
    child.on("close", (code, signal) =>
      resume(Effect.succeed({
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        code: code ?? (signal === null ? -1 : 128 + signalNumber(signal))
      })))
    return Effect.sync(() => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL")
        } catch {
          child.kill("SIGKILL")
        }
      }
    })
  })
  return spawned.pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new LabError({ message: `${[file, ...args].join(" ")}: timed out after ${Duration.format(timeout)}` })
    })
  )
}

const lastLine = (text: string): string => {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "")
  return lines[lines.length - 1] ?? ""
}

/**
 * Whether the lab can run here: runs `lab.sh check` (root, tools, NFQUEUE in a throwaway
 * namespace). Never fails.
 */
export const available: Effect.Effect<{ readonly ok: true } | { readonly ok: false; readonly reason: string }> = run(
  "bash",
  [labScript, "check"],
  { timeout: Duration.seconds(60) }
).pipe(
  Effect.map((result): { readonly ok: true } | { readonly ok: false; readonly reason: string } =>
    result.code === 0
      ? { ok: true }
      : {
        ok: false,
        reason: lastLine(result.stdout).replace(/^unavailable: /, "") || lastLine(result.stderr) ||
          `lab.sh check exited ${result.code}`
      }
  ),
  Effect.catchAll((error) => Effect.succeed({ ok: false as const, reason: error.message }))
)

/** Tears a lab down by id. Idempotent; used as the finalizer of `make`. */
export const down = (id: string): Effect.Effect<void, LabError> =>
  run("bash", [labScript, "down", id], { timeout: Duration.seconds(60) }).pipe(
    Effect.flatMap((result) =>
      result.code === 0
        ? Effect.void
        : Effect.fail(new LabError({ message: `lab.sh down ${id} failed: ${lastLine(result.stderr)}` }))
    )
  )

/** Tears down every lab on this machine, including ones left by crashed runs. */
export const downAll: Effect.Effect<void, LabError> = run("bash", [labScript, "down-all"], {
  timeout: Duration.seconds(120)
}).pipe(
  Effect.flatMap((result) =>
    result.code === 0
      ? Effect.void
      : Effect.fail(new LabError({ message: `lab.sh down-all failed: ${lastLine(result.stderr)}` }))
  )
)

const writeConfig = (id: string, config: LabConfig): Effect.Effect<string, LabError> =>
  Effect.try({
    try: () => {
      const file = Path.join(Os.tmpdir(), `stg-lab-config-${id}.json`)
      Fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 })
      return file
    },
    catch: (error) => new LabError({ message: `cannot write the lab config: ${String(error)}` })
  })

const removeFile = (file: string): Effect.Effect<void> => Effect.sync(() => Fs.rmSync(file, { force: true }))

/**
 * Builds a lab for `config` (runs `lab.sh up`). The lab lives as long as the Scope: `lab.sh
 * down` is registered before `up` starts, so it also runs when `up` fails or is interrupted.
 */
export const make = (config: LabConfig): Effect.Effect<Lab, LabError, Scope.Scope> =>
  Effect.gen(function*() {
    const id = Crypto.randomBytes(4).toString("hex")
    yield* Effect.addFinalizer(() =>
      down(id).pipe(Effect.catchAll((error) => Effect.logWarning(`lab ${id}: ${error.message}`)))
    )
    const file = yield* writeConfig(id, config)
    const result = yield* run("bash", [labScript, "up", file, "--id", id], { timeout: Duration.seconds(60) }).pipe(
      Effect.ensuring(removeFile(file))
    )
    if (result.code !== 0) {
      return yield* new LabError({
        message: `lab.sh up failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`
      })
    }
    const info = yield* decodeInfo(lastLine(result.stdout)).pipe(
      Effect.mapError((error) => new LabError({ message: `lab.sh up printed no lab description: ${error.message}` }))
    )
    const exec = (argv: ReadonlyArray<string>, options?: ExecOptions): Effect.Effect<ExecResult, LabError> =>
      run("ip", ["netns", "exec", info.clientNamespace, ...argv], options)
    const lab: Lab = { ...info, exec }
    return lab
  })

/** Node's own connect, as `baseline.mjs` reports it. */
export type BaselineResult =
  | {
    readonly ok: true
    readonly ms: number
    readonly remote: string
    readonly family: 4 | 6
    readonly rttMs: number
    readonly echo: boolean
  }
  | {
    readonly ok: false
    readonly ms: number
    readonly error: string
    readonly errors?: ReadonlyArray<string> | undefined
  }

const BaselineResultSchema = Schema.Union(
  Schema.Struct({
    ok: Schema.Literal(true),
    ms: Schema.Number,
    remote: Schema.String,
    family: Schema.Literal(4, 6),
    rttMs: Schema.Number,
    echo: Schema.Boolean
  }),
  Schema.Struct({
    ok: Schema.Literal(false),
    ms: Schema.Number,
    error: Schema.String,
    errors: Schema.optional(Schema.Array(Schema.String))
  })
)

const decodeBaseline = Schema.decodeUnknown(Schema.parseJson(BaselineResultSchema))

/**
 * Times Node's `net.connect` to `host`:`port` from the client namespace (`baseline.mjs`):
 * `"auto"` with `autoSelectFamily: true`, `"plain"` without.
 */
export const baseline = (
  lab: Lab,
  mode: "auto" | "plain",
  host: string,
  options?: {
    readonly port?: number
    readonly localAddress?: string
    readonly timeoutMs?: number
    /** No untimed warm-up first: a program's very first connect (STG_BASELINE_COLD). */
    readonly cold?: boolean
    /** Time the second of two connects to `host` (STG_BASELINE_SECOND). */
    readonly second?: boolean
  }
): Effect.Effect<BaselineResult, LabError> => {
  const hardTimeoutMs = options?.timeoutMs ?? 15_000
  const argv = [process.execPath, baselineScript, mode, host, String(options?.port ?? lab.port)]
  if (options?.localAddress !== undefined) argv.push(options.localAddress)
  return lab.exec(argv, {
    env: {
      STG_BASELINE_TIMEOUT_MS: String(hardTimeoutMs),
      ...(options?.cold === true ? { STG_BASELINE_COLD: "1" } : {}),
      ...(options?.second === true ? { STG_BASELINE_SECOND: "1" } : {})
    },
    timeout: Duration.millis(hardTimeoutMs + 10_000)
  }).pipe(
    Effect.flatMap((result) =>
      decodeBaseline(lastLine(result.stdout)).pipe(
        Effect.mapError((error) =>
          new LabError({
            message: `baseline.mjs printed no result (exit ${result.code}): ${result.stderr.trim()} ${error.message}`
          })
        )
      )
    )
  )
}
