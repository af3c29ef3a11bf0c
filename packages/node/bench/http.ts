/**
 * http.ts: the HTTP client benchmark, in the network lab. One GET through
 * `NodeHttpClient.layerUndici` against plain undici (its own connector: Node's
 * `autoSelectFamily`) and Node's `fetch`, per scenario; and Effect's own HttpClient over
 * undici's connector, which shows what the HttpClient costs without our connect.
 *
 * Why: most connections a backend makes are HTTP requests; the speed-ups of the connect must
 * reach them end to end, through a pool, a parser and a response body.
 *
 * Usage (as root, from the repository root; not part of CI's tests; about 3 minutes):
 *   flock /tmp/stg-lab.lock npx tsx --conditions=@effect-stagger/source packages/node/bench/http.ts [--runs N] [--no-write] [KEY...]
 * KEY: A B F F2 G H (default all of them). `--runs`: runs per client and scenario (default 5).
 * With every scenario (and without `--no-write`) it writes its section of docs/benchmarks.md
 * (between `<!-- http:begin -->` and `<!-- http:end -->`, replaced in place or appended; lab.ts
 * keeps it when it rewrites the page) and docs/benchmarks-http.svg.
 *
 * Each run starts every client as a fresh process in the client namespace (bench/http-client.ts),
 * taking turns; each warms up untimed and times one GET from the call to the whole body.
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import { tsxLoader } from "../test/lab/client.js"
import * as Lab from "../test/lab/Lab.js"
import * as Scenarios from "../test/lab/scenarios.js"
import * as Chart from "./chart.js"
import type { Mode } from "./http-client.js"
import { modes } from "./http-client.js"
import * as Sections from "./sections.js"

const here = Path.dirname(Url.fileURLToPath(import.meta.url))
const docsDirectory = Path.resolve(here, "../../../docs")
const clientScript = Path.join(here, "http-client.ts")

const keys: ReadonlyArray<string> = ["A", "B", "F", "F2", "G", "H"]
const speedUpTargets: Readonly<Record<string, number>> = { F: 1.9, F2: 4, G: 3 }
/** A: ours within this many ms of plain undici. */
const healthySlackMs = 2

const names: Readonly<Record<Mode, string>> = {
  ours: "ours (NodeHttpClient.layerUndici)",
  effect: "Effect HttpClient, undici's connector",
  undici: "plain undici",
  fetch: "Node fetch"
}

interface Sample {
  readonly ok: boolean
  readonly ms: number
  readonly remote?: string
  readonly error?: string
}

const measure = (lab: Lab.Lab, scenario: Scenarios.Scenario, mode: Mode): Effect.Effect<Sample, Lab.LabError> =>
  Effect.map(
    lab.exec([
      process.execPath,
      "--import",
      tsxLoader,
      "--conditions=@effect-stagger/source",
      clientScript,
      mode,
      scenario.host,
      String(scenario.port),
      ...(scenario.localAddresses ?? []).flatMap((address) => ["--local", address])
    ], { timeout: "20 seconds" }),
    ({ stderr, stdout }) => {
      const line = stdout.trim().split("\n").at(-1) ?? ""
      try {
        return JSON.parse(line) as Sample
      } catch {
        return { ok: false, ms: 0, error: `no result: ${stderr.trim().slice(0, 200)}` }
      }
    }
  )

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

interface Summary {
  readonly ms: number | undefined
  readonly text: string
}

const summarize = (samples: ReadonlyArray<Sample>): Summary => {
  const ok = samples.filter((s) => s.ok)
  if (ok.length < samples.length) {
    const failed = samples.filter((s) => !s.ok).map((s) =>
      /\b(E[A-Z]+|hard timeout)\b/.exec(s.error ?? "")?.[1] ?? "error"
    )
    return { ms: undefined, text: `${ok.length} of ${samples.length} ok (${[...new Set(failed)].join(", ")})` }
  }
  const ms = median(ok.map((s) => s.ms))
  const winners = [...new Set(ok.map((s) => s.remote ?? "?"))].join(", ")
  return { ms, text: `${ms.toFixed(1)} ms, ${winners}` }
}

interface Row {
  readonly scenario: Scenarios.Scenario
  readonly summaries: Readonly<Record<Mode, Summary>>
}

/**
 * The ideal time to the response: RFC 8305's connect, then one round trip for the request over
 * the winner's path (the lab delays every packet to a delayed address, the GET's too).
 */
const idealMs = (scenario: Scenarios.Scenario): number =>
  scenario.ideal.ms +
  (scenario.config.servers.find((server) => server.address === scenario.ideal.winner)?.delayMs ?? 0)

const factor = (ours: Summary, other: Summary): string =>
  ours.ms !== undefined && other.ms !== undefined ? `${(other.ms / ours.ms).toFixed(2)}\u00d7` : "-"

const targets = (rows: ReadonlyArray<Row>): Array<string> =>
  rows.flatMap(({ scenario, summaries }) => {
    const { effect, ours, undici } = summaries
    const signed = (ms: number | undefined) =>
      ms === undefined ? "-" : `${ms >= 0 ? "+" : "\u2212"}${Math.abs(ms).toFixed(1)} ms`
    if (scenario.key === "A") {
      const over = ours.ms !== undefined && undici.ms !== undefined ? ours.ms - undici.ms : undefined
      const effectOver = effect.ms !== undefined && undici.ms !== undefined ? effect.ms - undici.ms : undefined
      const met = over !== undefined && over <= healthySlackMs
      return [
        `- ${met ? "met" : "**missed**"}: A: within ${healthySlackMs} ms of plain undici: ${signed(over)}` +
        ` (Effect's HttpClient over undici's own connector: ${signed(effectOver)})`
      ]
    }
    const target = speedUpTargets[scenario.key]
    if (target === undefined) return []
    const times = ours.ms !== undefined && undici.ms !== undefined ? undici.ms / ours.ms : undefined
    // What a client at the ideal would reach: no client can be faster than that.
    const best = undici.ms !== undefined && idealMs(scenario) > 0 ? undici.ms / idealMs(scenario) : undefined
    return [
      `- ${times !== undefined && times >= target ? "met" : "**missed**"}: ${scenario.key}: at least ${target}\u00d7 ` +
      `faster than plain undici: ${times === undefined ? "-" : `${times.toFixed(2)}\u00d7`}` +
      (best === undefined ? "" : ` (the ideal itself: ${best.toFixed(2)}\u00d7)`)
    ]
  })

const loadAverage = (): string => Os.loadavg().map((n) => n.toFixed(2)).join(" / ")

/** As lab.ts: nice -10 for the bench and every process it starts, where allowed. */
const raisePriority = (): string => {
  try {
    Os.setPriority(-10)
  } catch {
    // not root: the default priority
  }
  return String(Os.getPriority())
}

const section = (rows: ReadonlyArray<Row>, runs: number, date: string, machine: string): string =>
  Sections.section(
    "http",
    [
      "## HTTP GET through the clients",
      "",
      "<!-- Generated by packages/node/bench/http.ts; do not edit by hand. -->",
      "",
      `Generated on ${date} by \`npx tsx --conditions=@effect-stagger/source packages/node/bench/http.ts --runs ${runs}\` (as root).`,
      machine,
      "",
      "One `GET http://svc.lab:8080/` per fresh process in the lab's client namespace, timed from the",
      "call to the whole body (the lab's echo server answers HTTP with the address that accepted),",
      "after an untimed warm-up through the same client. Median of the runs, and the address that won.",
      "The ideal is RFC 8305's connect plus the GET's round trip over the winning path: where the lab",
      "delays the winner, the request waits that delay again, which no client can save, so end to end",
      "the factors are smaller than the connect's alone.",
      "",
      `- **${names.ours}**: \`HttpClient.get\` with \`NodeGetAddrInfo.layer\`; in H both local addresses.`,
      "- **Effect HttpClient, undici's connector**: `HttpClient.get` over @effect/platform-node's own",
      "  `NodeHttpClient.layerUndici`: the same client without our connect, to show what each costs;",
      "  it takes no local address, so in H it is not bound.",
      "- **plain undici**: `undici.request` over `new Agent()`, whose connector is `net.connect` with",
      "  Node's `autoSelectFamily` (250 ms); in H the IPv4 local address (`localAddress`), its only option.",
      "- **Node fetch**: the global `fetch` (undici inside, default dispatcher); it takes no local",
      "  address, so in H it is not bound.",
      "",
      `| scenario | ideal | ours | Effect HttpClient, undici's connector | plain undici | Node fetch | ours vs undici | ours vs fetch |`,
      "|---|---|---|---|---|---|---|---|",
      ...rows.map(({ scenario, summaries }) =>
        `| ${scenario.key} ${scenario.title} | ${idealMs(scenario) === 0 ? "~0" : idealMs(scenario)} ms, ` +
        `${scenario.ideal.winner} | ${summaries.ours.text} | ${summaries.effect.text} | ${summaries.undici.text} | ` +
        `${summaries.fetch.text} | ` +
        `${factor(summaries.ours, summaries.undici)} | ${factor(summaries.ours, summaries.fetch)} |`
      ),
      "",
      "![Time to an HTTP response per scenario and client, log scale](benchmarks-http.svg)",
      "",
      "Targets: the connect's speed-ups end to end (F at least 1.9x, F2 4x, G 3x faster than plain",
      `undici), and A within ${healthySlackMs} ms of plain undici:`,
      "",
      ...targets(rows)
    ].join("\n")
  )

const chartOf = (rows: ReadonlyArray<Row>, runs: number): Chart.Chart => ({
  title: `Time to an HTTP response in the network lab: median of ${runs} fresh processes per client (log scale)`,
  xLabel: "scenario (docs/lab.md)",
  yLabel: "time from GET to the whole body",
  series: [
    { name: names.ours, color: "#1f77b4" },
    { name: names.effect, color: "#2ca02c" },
    { name: names.undici, color: "#ff7f0e" },
    { name: names.fetch, color: "#8c8c8c" }
  ],
  floorMs: 0.5,
  ceilingMs: 10_000,
  groups: rows.map(({ scenario, summaries }) => ({
    label: scenario.key,
    sublabel: idealMs(scenario) === 0 ? "ideal ~0" : `ideal ${idealMs(scenario)}`,
    idealMs: idealMs(scenario),
    bars: modes.map((mode): Chart.Bar => {
      const { ms, text } = summaries[mode]
      return ms === undefined ? { _tag: "Failed", reason: text } : { _tag: "Value", ms }
    })
  }))
})

const program = (runs: number, write: boolean, selected: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const availability = yield* Lab.available
    if (!availability.ok) return yield* Effect.fail(`lab unavailable: ${availability.reason}`)
    const nice = raisePriority()
    const loadBefore = loadAverage()
    const rows: Array<Row> = []
    for (const key of selected) {
      const scenario = Scenarios.all.find((s) => s.key === key)
      if (scenario === undefined) continue
      const samples: Record<Mode, Array<Sample>> = { ours: [], effect: [], undici: [], fetch: [] }
      yield* Effect.scoped(Effect.gen(function*() {
        const lab = yield* Lab.make(scenario.config)
        for (let run = 0; run < runs; run++) {
          for (const mode of modes) {
            const sample = yield* measure(lab, scenario, mode)
            samples[mode].push(sample)
            process.stderr.write(
              `${key} run ${run + 1}/${runs} ${mode}: ${
                sample.ok ? `${sample.ms} ms ${sample.remote}` : sample.error
              }\n`
            )
          }
        }
      }))
      rows.push({
        scenario,
        summaries: {
          ours: summarize(samples.ours),
          effect: summarize(samples.effect),
          undici: summarize(samples.undici),
          fetch: summarize(samples.fetch)
        }
      })
    }
    const machine = `Load average (1 / 5 / 15 min) before: ${loadBefore}; after: ${loadAverage()}; nice ${nice}; ` +
      `${Os.cpus().length} cores, Node ${process.version}.`
    const text = section(rows, runs, new Date().toISOString().replace(/\.\d+Z$/, "Z"), machine)
    process.stdout.write(`${text}\n`)
    if (write && selected.length === keys.length) {
      const page = Path.join(docsDirectory, "benchmarks.md")
      Fs.writeFileSync(
        page,
        Sections.withSection(Fs.existsSync(page) ? Fs.readFileSync(page, "utf8") : "", "http", text)
      )
      Fs.writeFileSync(Path.join(docsDirectory, "benchmarks-http.svg"), Chart.render(chartOf(rows, runs)))
      process.stderr.write(`wrote ${page} (HTTP section) and benchmarks-http.svg\n`)
    }
  })

const isMain = process.argv[1] !== undefined && Url.pathToFileURL(process.argv[1]).href === import.meta.url
if (isMain) {
  const argv = process.argv.slice(2)
  const runsAt = argv.indexOf("--runs")
  const runs = runsAt === -1 ? 5 : Number(argv[runsAt + 1])
  const selected = argv.filter((arg, i) => keys.includes(arg) && argv[i - 1] !== "--runs")
  Effect.runPromiseExit(program(runs, !argv.includes("--no-write"), selected.length === 0 ? keys : selected)).then(
    (exit) => {
      if (exit._tag === "Failure") {
        process.stderr.write(`http bench: ${String(exit.cause)}\n`)
        process.exitCode = 1
      }
    }
  )
}
