/**
 * lab.ts: the connect benchmark, in the network lab. Our connect against Node's, per scenario.
 *
 * Why: the project's claim is RFC 8305 behaviour where Node's `autoSelectFamily` falls short
 * (REFERENCE.md §3). This measures it where it matters: every scenario of
 * test/lab/scenarios.ts, each client a fresh process in the lab's client namespace resolving
 * through the lab DNS, as a user's program would run.
 *
 * Usage (as root, from the repository root; not part of CI's tests):
 *   npx tsx --conditions=@effect-stagger/source packages/node/bench/lab.ts [--runs N] [--no-cold] [--no-write] [KEY...]
 * KEY: scenario keys (A B C D E F F2 G H I); default all. `--runs`: runs per client and
 * scenario (default 5). Prints the tables; with every scenario (and without `--no-write`) it
 * also writes docs/benchmarks.md and docs/benchmarks.svg (bench/chart.ts), keeping the HTTP
 * section that bench/http.ts writes. About a minute
 * per run on a 2-core VM.
 *
 * Clients, interleaved within each run so that drift hits all alike:
 * - ours: test/lab/client.ts, `NodeHappyEyeballs.createConnectedSock` with the system resolver
 *   (`NodeGetAddrInfo.layer`), after the same untimed
 *   warm-up as baseline.mjs;
 * - Node auto: baseline.mjs `auto`, `net.connect({ autoSelectFamily: true })`, default 250 ms;
 * - plain net.connect: baseline.mjs `plain` (`autoSelectFamily: false`): the first address;
 * - with cold runs (default; `--no-cold` skips them): ours and Node auto again without the
 *   warm-up connects, as the very first connect of a program (`Lab.baseline`'s `cold`, which
 *   sets STG_BASELINE_COLD=1 for baseline.mjs).
 * Each run has a 5 s cap (a connect to a silently dropped address would hang ~130 s), shown as
 * "timeout >5000 ms". Times run from just before the connect call to connected, lookups
 * included; the median of the runs is reported.
 */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import * as Client from "../test/lab/client.js"
import * as Lab from "../test/lab/Lab.js"
import * as Scenarios from "../test/lab/scenarios.js"
import * as Chart from "./chart.js"
import * as Sections from "./sections.js"

const capMs = 5_000
const docsDirectory = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "../../../docs")

/** How many ms over the ideal a scenario may be: the target, and what NFQUEUE adds. */
const targetSlackMs = 10
const delayedHopSlackMs = 5

/** Speed-up of ours over Node auto that the issue asks for. */
const speedUpTargets: Readonly<Record<string, number>> = { F: 1.9, F2: 4, G: 3 }

// ---------------------------------------------------------------------------------------------
// Samples
// ---------------------------------------------------------------------------------------------

type ClientKey = "ours" | "auto" | "plain" | "oursCold" | "autoCold"

const clientNames: Readonly<Record<ClientKey, string>> = {
  ours: "ours",
  auto: "Node auto",
  plain: "plain net.connect",
  oursCold: "ours, first connect",
  autoCold: "Node auto, first connect"
}

/** Every client, in the order of a run; without cold runs, the first three. */
const allClients: ReadonlyArray<ClientKey> = ["ours", "auto", "plain", "oursCold", "autoCold"]

/** One run of one client, whichever it is. */
interface Sample {
  readonly ok: boolean
  readonly ms: number
  readonly winner: string | null
  readonly timedOut: boolean
  readonly error: string | null
  /** Ours only: ms since process start when the imports were done and when the connect began. */
  readonly startup: Client.Startup | null
}

const fromBaseline = (result: Lab.BaselineResult): Sample =>
  result.ok ?
    { ok: true, ms: result.ms, winner: result.remote, timedOut: false, error: null, startup: null } :
    {
      ok: false,
      ms: result.ms,
      winner: null,
      timedOut: result.error.startsWith("hard timeout"),
      error: result.error,
      startup: null
    }

const fromClient = (result: Client.ClientResult): Sample =>
  result.ok ?
    { ok: true, ms: result.ms, winner: result.remote, timedOut: false, error: null, startup: result.startup } :
    {
      ok: false,
      ms: result.ms,
      winner: null,
      timedOut: result.error.startsWith("hard timeout"),
      error: result.error,
      startup: result.startup ?? null
    }

const measureOnce = (
  lab: Lab.Lab,
  scenario: Scenarios.Scenario,
  client: ClientKey
): Effect.Effect<Sample, Lab.LabError> => {
  const baselineOptions = scenario.baselineLocalAddress === undefined ?
    { timeoutMs: capMs } :
    { timeoutMs: capMs, localAddress: scenario.baselineLocalAddress }
  const oursOptions = { locals: scenario.localAddresses, timeoutMs: capMs }
  switch (client) {
    case "ours":
      return Effect.map(Client.run(lab, scenario.host, oursOptions), fromClient)
    case "oursCold":
      return Effect.map(Client.run(lab, scenario.host, { ...oursOptions, cold: true }), fromClient)
    case "auto":
      return Effect.map(Lab.baseline(lab, "auto", scenario.host, baselineOptions), fromBaseline)
    case "autoCold":
      return Effect.map(Lab.baseline(lab, "auto", scenario.host, { ...baselineOptions, cold: true }), fromBaseline)
    case "plain":
      return Effect.map(Lab.baseline(lab, "plain", scenario.host, baselineOptions), fromBaseline)
  }
}

type Samples = Readonly<Record<ClientKey, ReadonlyArray<Sample>>>

const measureScenario = (
  scenario: Scenarios.Scenario,
  runs: number,
  clients: ReadonlyArray<ClientKey>
): Effect.Effect<Samples, Lab.LabError> =>
  Effect.scoped(Effect.gen(function*() {
    const lab = yield* Lab.make(scenario.config)
    const samples: Record<ClientKey, Array<Sample>> = {
      ours: [],
      auto: [],
      plain: [],
      oursCold: [],
      autoCold: []
    }
    for (let run = 0; run < runs; run++) {
      for (const client of clients) {
        const sample = yield* measureOnce(lab, scenario, client)
        samples[client].push(sample)
        yield* Effect.sync(() =>
          process.stderr.write(
            `${scenario.key} run ${run + 1}/${runs} ${clientNames[client]}: ` +
              `${sample.ok ? `${sample.ms} ms ${sample.winner}` : `fails in ${sample.ms} ms: ${sample.error}`}\n`
          )
        )
      }
    }
    return samples
  }))

// ---------------------------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------------------------

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** What a client did in a scenario, over its runs. */
type Summary =
  | { readonly _tag: "Connected"; readonly ms: number; readonly winners: string; readonly runs: ReadonlyArray<number> }
  | { readonly _tag: "TimedOut" }
  | { readonly _tag: "Failed"; readonly ms: number; readonly reason: string }
  | { readonly _tag: "Mixed"; readonly connected: number; readonly of: number; readonly detail: string }

/** "198.18.0.10", or "198.18.0.10 ×3, 2001:db8:1::10 ×2" when runs differ. */
const winnersOf = (samples: ReadonlyArray<Sample>): string => {
  const counts = new Map<string, number>()
  for (const sample of samples) {
    if (sample.winner !== null) counts.set(sample.winner, (counts.get(sample.winner) ?? 0) + 1)
  }
  return counts.size === 1 ?
    [...counts.keys()][0] :
    [...counts.entries()].map(([winner, n]) => `${winner} \u00d7${n}`).join(", ")
}

/** The system error code at the start of an error text (EINVAL, ECONNREFUSED), or the text. */
const reasonOf = (error: string): string => /\b(E[A-Z]+)\b/.exec(error)?.[1] ?? error

const summarize = (samples: ReadonlyArray<Sample>): Summary => {
  const connected = samples.filter((s) => s.ok)
  if (connected.length === samples.length) {
    return {
      _tag: "Connected",
      ms: median(connected.map((s) => s.ms)),
      winners: winnersOf(samples),
      runs: samples.map((s) => s.ms)
    }
  }
  if (samples.every((s) => s.timedOut)) return { _tag: "TimedOut" }
  if (connected.length === 0) {
    const reasons = [...new Set(samples.map((s) => reasonOf(s.error ?? "error")))].join(", ")
    return { _tag: "Failed", ms: median(samples.map((s) => s.ms)), reason: reasons }
  }
  const detail = samples.map((s) => (s.ok ? `${s.ms} ${s.winner}` : s.timedOut ? "timeout" : reasonOf(s.error ?? "")))
    .join(" / ")
  return { _tag: "Mixed", connected: connected.length, of: samples.length, detail }
}

const ms1 = (ms: number): string => `${ms.toFixed(1)} ms`

const cell = (summary: Summary): string => {
  switch (summary._tag) {
    case "Connected":
      return `${ms1(summary.ms)}, ${summary.winners}`
    case "TimedOut":
      return `timeout >${capMs} ms`
    case "Failed":
      return `fails in ${ms1(summary.ms)} (${summary.reason})`
    case "Mixed":
      return `${summary.connected} of ${summary.of} connected (${summary.detail})`
  }
}

const idealCell = (scenario: Scenarios.Scenario): string =>
  `${scenario.ideal.ms === 0 ? "~0" : scenario.ideal.ms} ms, ${scenario.ideal.winner}`

/** Ours over Node auto: how many times faster, where both connected. */
const speedUp = (ours: Summary, auto: Summary): number | undefined =>
  ours._tag === "Connected" && auto._tag === "Connected" ? auto.ms / ours.ms : undefined

const speedUpCell = (ours: Summary, auto: Summary): string => {
  const factor = speedUp(ours, auto)
  if (factor !== undefined) return `${factor.toFixed(2)}\u00d7`
  if (ours._tag === "Connected" && auto._tag !== "Connected") return "Node fails"
  return "-"
}

/** Whether the winning address of the ideal sits behind an NFQUEUE delay in this scenario. */
const winnerIsDelayed = (scenario: Scenarios.Scenario): boolean =>
  scenario.config.servers.some((server) => server.address === scenario.ideal.winner && (server.delayMs ?? 0) > 0)

const allowanceOf = (scenario: Scenarios.Scenario): number =>
  targetSlackMs + (winnerIsDelayed(scenario) ? delayedHopSlackMs : 0)

interface Row {
  readonly scenario: Scenarios.Scenario
  readonly summaries: Readonly<Partial<Record<ClientKey, Summary>>>
  readonly samples: Samples
}

const missing: Summary = { _tag: "TimedOut" }

const overIdealCell = (scenario: Scenarios.Scenario, summary: Summary): string =>
  summary._tag === "Connected" ? `${(summary.ms - scenario.ideal.ms).toFixed(1)} ms` : "-"

const mainTable = (rows: ReadonlyArray<Row>, runs: number): Array<string> => [
  `| scenario | ideal | ours (median of ${runs}) | Node auto | plain net.connect | ours vs Node auto | ` +
  "ours \u2212 ideal |",
  "|---|---|---|---|---|---|---|",
  ...rows.map(({ scenario, summaries }) => {
    const { auto = missing, ours = missing, plain = missing } = summaries
    return `| ${scenario.key} ${scenario.title} | ${idealCell(scenario)} | ${cell(ours)} | ${cell(auto)} | ` +
      `${cell(plain)} | ${speedUpCell(ours, auto)} | ${overIdealCell(scenario, ours)} |`
  })
]

const coldTable = (rows: ReadonlyArray<Row>): Array<string> => [
  "| scenario | ideal | ours, first connect | Node auto, first connect | ours vs Node auto | ours \u2212 ideal |",
  "|---|---|---|---|---|---|",
  ...rows.map(({ scenario, summaries }) => {
    const { autoCold = missing, oursCold = missing } = summaries
    return `| ${scenario.key} | ${idealCell(scenario)} | ${cell(oursCold)} | ` +
      `${cell(autoCold)} | ${speedUpCell(oursCold, autoCold)} | ${overIdealCell(scenario, oursCold)} |`
  })
]

/** Where our fresh process spends its time: medians over every run of ours. */
const startupTable = (rows: ReadonlyArray<Row>): Array<string> => {
  const line = (key: "ours" | "oursCold") => {
    const samples = rows.flatMap((row) => row.samples[key])
    const startups = samples.flatMap((s) => (s.startup === null ? [] : [s.startup]))
    if (startups.length === 0) return []
    const loaded = median(startups.map((s) => s.loaded))
    const warmUp = median(startups.map((s) => s.connectCall - s.loaded))
    const zeroIdeal = rows.filter((row) => row.scenario.ideal.ms === 0).flatMap((row) => row.samples[key])
    const connect = zeroIdeal.filter((s) => s.ok).map((s) => s.ms)
    return [
      `| ${clientNames[key]} | ${ms1(loaded)} | ${ms1(warmUp)} | ${connect.length === 0 ? "-" : ms1(median(connect))} |`
    ]
  }
  return [
    "| client | process start to imports done (Node, tsx, effect, our code) | layer built, warm-up connects | " +
    "connect, scenarios with ideal ~0 (A, C, I) |",
    "|---|---|---|---|",
    ...line("ours"),
    ...line("oursCold")
  ]
}

interface TargetCheck {
  readonly label: string
  readonly met: boolean
  readonly detail: string
}

const targetChecks = (rows: ReadonlyArray<Row>, client: ClientKey): ReadonlyArray<TargetCheck> => [
  ...rows.map(({ scenario, summaries }): TargetCheck => {
    const ours = summaries[client]
    const allowance = allowanceOf(scenario)
    const label = `${scenario.key}: within ${allowance} ms of the ideal` +
      (allowance > targetSlackMs ? ` (${targetSlackMs} + ${delayedHopSlackMs} for the delayed hop)` : "")
    if (ours === undefined || ours._tag !== "Connected") {
      return { label, met: false, detail: ours === undefined ? "not run" : cell(ours) }
    }
    const over = ours.ms - scenario.ideal.ms
    const rightWinner = ours.winners === scenario.ideal.winner
    return {
      label,
      met: over <= allowance && rightWinner,
      detail: `${ms1(ours.ms)} = ideal ${over >= 0 ? "+" : "\u2212"} ${Math.abs(over).toFixed(1)} ms` +
        (rightWinner ? "" : `, winner ${ours.winners}`)
    }
  }),
  ...rows.flatMap(({ scenario, summaries }): Array<TargetCheck> => {
    const target = speedUpTargets[scenario.key]
    // Against Node auto measured the same way: with the warm-up connects, or without.
    const auto = client === "oursCold" ? summaries.autoCold : summaries.auto
    const ours = summaries[client]
    if (target === undefined || ours === undefined || auto === undefined) return []
    const factor = speedUp(ours, auto)
    return [{
      label: `${scenario.key}: at least ${target}\u00d7 faster than Node auto`,
      met: factor !== undefined && factor >= target,
      detail: factor === undefined ? "-" : `${factor.toFixed(2)}\u00d7`
    }]
  })
]

const targetsList = (checks: ReadonlyArray<TargetCheck>): Array<string> =>
  checks.map((check) => `- ${check.met ? "met" : "**missed**"}: ${check.label}: ${check.detail}`)

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

const cpuModel = (): string => {
  try {
    const line = Fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"))
    return line?.split(":")[1]?.trim() ?? Os.cpus()[0]?.model ?? "unknown"
  } catch {
    return Os.cpus()[0]?.model ?? "unknown"
  }
}

const loadAverage = (): string => Os.loadavg().map((n) => n.toFixed(2)).join(" / ")

/** The commit, and whether the library's sources differ from it (work in progress). */
const codeState = (): string => {
  const git = (...args: Array<string>) =>
    ChildProcess.execFileSync("git", args, { cwd: docsDirectory, encoding: "utf8" }).trim()
  try {
    const changed = git("status", "--porcelain", "--", "../packages/core/src", "../packages/node/src")
    return `commit ${git("rev-parse", "--short", "HEAD")}` +
      (changed === "" ? "" : `, with uncommitted changes in ${changed.split("\n").length} files of packages/*/src`)
  } catch {
    return "unknown (no git)"
  }
}

/**
 * Nice value of the bench and everything it starts (the lab's servers, the clients): -10 as
 * root, so that other work on the machine disturbs the timings less. All clients alike.
 */
const benchNice = -10

const raisePriority = (): string => {
  try {
    Os.setPriority(benchNice)
    return `${benchNice} (the bench, the lab's servers and every client)`
  } catch {
    return `${Os.getPriority()} (could not raise the priority)`
  }
}

interface Machine {
  readonly code: string
  readonly nice: string
  readonly cpu: string
  readonly cores: number
  readonly memory: string
  readonly kernel: string
  readonly node: string
  readonly date: string
  readonly loadBefore: string
  readonly loadAfter: string
}

const describeMachine = (loadBefore: string, nice: string, codeBefore: string): Machine => ({
  code: codeBefore === codeState() ? codeBefore : `${codeBefore} at the start, ${codeState()} at the end`,
  nice,
  cpu: cpuModel(),
  cores: Os.cpus().length,
  memory: `${(Os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  kernel: `${Os.type()} ${Os.release()}`,
  node: process.version,
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  loadBefore,
  loadAfter: loadAverage()
})

const chartOf = (rows: ReadonlyArray<Row>, runs: number): Chart.Chart => {
  const bar = (summary: Summary | undefined): Chart.Bar => {
    if (summary === undefined) return { _tag: "Missing" }
    switch (summary._tag) {
      case "Connected":
        return { _tag: "Value", ms: summary.ms }
      case "TimedOut":
        return { _tag: "Timeout", ms: capMs }
      case "Failed":
        return { _tag: "Failed", reason: summary.reason }
      case "Mixed":
        return { _tag: "Failed", reason: `${summary.connected}/${summary.of} connected` }
    }
  }
  return {
    title: `Time to connect in the network lab: median of ${runs} fresh processes per client (log scale)`,
    xLabel: "scenario (docs/lab.md)",
    yLabel: "time from connect call to connected",
    series: [
      { name: clientNames.ours, color: "#1f77b4" },
      { name: `${clientNames.oursCold} (no warm-up connect)`, color: "#2ca02c" },
      { name: `${clientNames.auto} (autoSelectFamily, 250 ms)`, color: "#ff7f0e" },
      { name: clientNames.plain, color: "#8c8c8c" }
    ],
    floorMs: 0.5,
    ceilingMs: 10_000,
    groups: rows.map(({ scenario, summaries }) => ({
      label: scenario.key,
      sublabel: scenario.ideal.ms === 0 ? "ideal ~0" : `ideal ${scenario.ideal.ms}`,
      idealMs: scenario.ideal.ms,
      bars: [bar(summaries.ours), bar(summaries.oursCold), bar(summaries.auto), bar(summaries.plain)]
    }))
  }
}

const markdown = (rows: ReadonlyArray<Row>, runs: number, machine: Machine, cold: boolean): string =>
  [
    "# Benchmarks: time to connect in the network lab",
    "",
    "<!-- Generated by packages/node/bench/lab.ts; do not edit by hand. -->",
    "",
    `Generated on ${machine.date} by`,
    "",
    "```sh",
    `npx tsx --conditions=@effect-stagger/source packages/node/bench/lab.ts --runs ${runs}` +
    `   # as root, ~${Math.ceil(runs * 1.1)} min`,
    "```",
    "",
    "Each scenario of the [network lab](lab.md) is built once; then each client connects to",
    "`svc.lab:8080` as a fresh process in the lab's client namespace, resolving through the lab",
    "DNS, and times from just before its connect call to the connected socket (lookups included).",
    "The clients take turns within each run. Reported: the median of the runs and the address",
    "that won. Every run is capped at 5 s (a connect to a silently dropped address would wait",
    "for the kernel's ~130 s).",
    "",
    "- **ours**: `NodeHappyEyeballs.createConnectedSock` with `NodeGetAddrInfo.layer` (the system",
    "  resolver), defaults (250 ms connection attempt delay, 50 ms resolution delay)",
    "  ([client.ts](../packages/node/test/lab/client.ts), run from the sources by tsx, with source",
    "  maps off as in compiled JavaScript); in H with one local address per family.",
    "- **Node auto**: `net.connect({ autoSelectFamily: true })`, Node's default 250 ms attempt",
    "  timeout ([baseline.mjs](../packages/node/test/lab/baseline.mjs)); in H with the IPv4 local",
    "  address, its only option.",
    "- **plain net.connect**: `autoSelectFamily: false`: the first address getaddrinfo returns.",
    "",
    "Every client warms up untimed first, as a long-running program would be: a lookup of an",
    "unknown name and a connect to a closed localhost port, each through the client's own connect.",
    "",
    "## Machine",
    "",
    `- CPU: ${machine.cpu}, ${machine.cores} cores`,
    `- Memory: ${machine.memory}`,
    `- Kernel: ${machine.kernel}`,
    `- Node: ${machine.node}`,
    `- Date: ${machine.date}`,
    `- Load average (1 / 5 / 15 min) before: ${machine.loadBefore}; after: ${machine.loadAfter}`,
    `- Nice value: ${machine.nice}`,
    `- Code: ${machine.code}`,
    "",
    `## Results (median of ${runs} runs)`,
    "",
    ...mainTable(rows, runs),
    "",
    "![Time to connect per scenario and client, log scale](benchmarks.svg)",
    "",
    "## Targets",
    "",
    `Every scenario within ${targetSlackMs} ms of the ideal (plus ${delayedHopSlackMs} ms where the winning path`,
    "goes through the lab's NFQUEUE delay, which adds 1-5 ms per delayed hop), with the ideal",
    "winner; F at least 1.9x, F2 4x and G 3x faster than Node auto.",
    "",
    "Ours:",
    "",
    ...targetsList(targetChecks(rows, "ours")),
    "",
    ...(cold ?
      [
        "## A program's very first connect",
        "",
        "The same, without the warm-up connects: what the first connect of a fresh program costs,",
        "V8 compiling the code that runs it included.",
        "",
        ...coldTable(rows),
        "",
        "The targets above, for a program's first connect, against Node auto's first connect:",
        "",
        "Ours, first connect:",
        "",
        ...targetsList(targetChecks(rows, "oursCold")),

        ""
      ] :
      []),
    "## Where a fresh process of ours spends its time",
    "",
    "Medians over all runs, in ms since the process started (`performance.now()`).",
    "",
    ...startupTable(rows),
    ""
  ].join("\n")

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

interface Options {
  readonly runs: number
  readonly cold: boolean
  readonly write: boolean
  readonly keys: ReadonlyArray<string>
}

const parseOptions = (argv: ReadonlyArray<string>): Options | string => {
  let runs = 5
  let cold = true
  let write = true
  const keys: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--runs") {
      runs = Number(argv[++i])
      if (!Number.isInteger(runs) || runs < 1) return `--runs: a positive integer, not ${argv[i]}`
    } else if (arg === "--no-cold") cold = false
    else if (arg === "--no-write") write = false
    else if (Scenarios.all.some((s) => s.key === arg)) keys.push(arg)
    else return `unknown argument ${arg}; scenarios: ${Scenarios.all.map((s) => s.key).join(" ")}`
  }
  return { runs, cold, write, keys }
}

const program = (options: Options) =>
  Effect.gen(function*() {
    const availability = yield* Lab.available
    if (!availability.ok) return yield* Effect.fail(`lab unavailable: ${availability.reason}`)
    const nice = raisePriority()
    const codeBefore = codeState()
    const loadBefore = loadAverage()
    const selected = options.keys.length === 0
      ? Scenarios.all
      : Scenarios.all.filter((s) => options.keys.includes(s.key))
    const clients: ReadonlyArray<ClientKey> = options.cold ? allClients : allClients.slice(0, 3)
    const rows: Array<Row> = []
    for (const scenario of selected) {
      const samples = yield* measureScenario(scenario, options.runs, clients)
      const summaries: Partial<Record<ClientKey, Summary>> = {}
      for (const client of clients) summaries[client] = summarize(samples[client])
      rows.push({ scenario, summaries, samples })
    }
    const machine = describeMachine(loadBefore, nice, codeBefore)
    const text = markdown(rows, options.runs, machine, options.cold)
    yield* Effect.sync(() => process.stdout.write(text))
    if (options.write && selected.length === Scenarios.all.length) {
      yield* Effect.try({
        try: () => {
          // The sections other benches write (HTTP, history) are kept as they are.
          const page = Path.join(docsDirectory, "benchmarks.md")
          const old = Fs.existsSync(page) ? Fs.readFileSync(page, "utf8") : ""
          Fs.writeFileSync(
            page,
            Sections.names.reduce((kept, name) => {
              const section = Sections.sectionOf(old, name)
              return section === undefined ? kept : Sections.withSection(kept, name, section)
            }, text)
          )
          Fs.writeFileSync(Path.join(docsDirectory, "benchmarks.svg"), Chart.render(chartOf(rows, options.runs)))
        },
        catch: (error) => `cannot write docs/benchmarks.*: ${String(error)}`
      })
      yield* Effect.sync(() => process.stderr.write(`wrote ${docsDirectory}/benchmarks.md and benchmarks.svg\n`))
    }
  })

const options = parseOptions(process.argv.slice(2))
if (typeof options === "string") {
  process.stderr.write(`${options}\n`)
  process.exitCode = 64
} else {
  Effect.runPromiseExit(program(options)).then((exit) => {
    if (exit._tag === "Failure") {
      process.stderr.write(`bench: ${String(exit.cause)}\n`)
      process.exitCode = 1
    }
  })
}
