/**
 * history.ts: a program's second connect to a host whose path is broken, in the network lab,
 * with Happy Eyeballs v3's history (`History.layerMemory()`), without it, and with Node's
 * built-in.
 *
 * Why: a connect to a host with a silently dropped address waits out the Connection Attempt
 * Delay (B: 250 ms; E: four of them, 1000 ms) every time. With history, the second connect
 * attempts the first one's winner first, and should take no longer than that path's own
 * round trip.
 *
 * Usage (as root, from the repository root):
 *   npx tsx --conditions=@effect-stagger/source packages/node/bench/history.ts [--runs N] [--no-write]
 * Each client is a fresh process (test/lab/client.ts `--second`, baseline.mjs with
 * STG_BASELINE_SECOND=1) that connects once, untimed, then times its second connect to the same
 * host. Prints its section of docs/benchmarks.md, the median of the runs (default 5), and
 * writes it there (bench/sections.ts) unless `--no-write`.
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import * as Client from "../test/lab/client.js"
import * as Lab from "../test/lab/Lab.js"
import * as Scenarios from "../test/lab/scenarios.js"
import * as Sections from "./sections.js"

const capMs = 5_000

type Key = "history" | "none" | "auto"

const names: Readonly<Record<Key, string>> = {
  history: "ours, History.layerMemory()",
  none: "ours, no history",
  auto: "Node auto"
}

interface Sample {
  readonly ms: number
  readonly winner: string
}

const once = (lab: Lab.Lab, scenario: Scenarios.Scenario, key: Key): Effect.Effect<Sample, Lab.LabError> => {
  const describe = (result: { readonly ok: boolean; readonly ms: number; readonly remote?: string }) => ({
    ms: result.ms,
    winner: result.ok ? result.remote ?? "?" : "failed"
  })
  return key === "auto" ?
    Effect.map(Lab.baseline(lab, "auto", scenario.host, { timeoutMs: capMs, second: true }), describe) :
    Effect.map(
      Client.run(lab, scenario.host, { timeoutMs: capMs, second: true, history: key === "history" }),
      describe
    )
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const main = (runs: number, write: boolean) =>
  Effect.gen(function*() {
    const lines = [
      `| scenario | ideal path | ${names.history} | ${names.none} | ${names.auto} |`,
      "|---|---|---|---|---|"
    ]
    for (const scenario of [Scenarios.B, Scenarios.E]) {
      const samples: Record<Key, Array<Sample>> = { history: [], none: [], auto: [] }
      yield* Effect.scoped(Effect.gen(function*() {
        const lab = yield* Lab.make(scenario.config)
        for (let run = 0; run < runs; run++) {
          for (const key of ["history", "none", "auto"] as const) {
            const sample = yield* once(lab, scenario, key)
            samples[key].push(sample)
            process.stderr.write(
              `${scenario.key} run ${run + 1}/${runs} ${names[key]}: ${sample.ms} ms ${sample.winner}\n`
            )
          }
        }
      }))
      const cell = (key: Key) => {
        const winners = new Set(samples[key].map((s) => s.winner))
        return `${median(samples[key].map((s) => s.ms)).toFixed(1)} ms (${[...winners].join(", ")})`
      }
      lines.push(
        `| ${scenario.key} ${scenario.title} | ${scenario.ideal.winner} | ${cell("history")} | ${cell("none")} | ` +
          `${cell("auto")} |`
      )
    }
    const text = Sections.section(
      "history",
      [
        "## A second connect with history",
        "",
        "A program's second connect to the same host (the first made untimed just before it, in",
        "the same fresh process), with `History.layerMemory()`, without it, and with Node's",
        `built-in (\`STG_BASELINE_SECOND=1\`); median of ${runs} runs, winner in brackets. With history`,
        "the second connect tries the first one's winner first, so it takes that path's own round",
        "trip (~0 ms in the lab) instead of the Connection Attempt Delays again.",
        "",
        ...lines,
        "",
        `Generated on ${new Date().toISOString()} by`,
        `\`npx tsx --conditions=@effect-stagger/source packages/node/bench/history.ts --runs ${runs}\` (as root).`
      ].join("\n")
    )
    process.stdout.write(text + "\n")
    if (write) {
      const page = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "../../../docs/benchmarks.md")
      Fs.writeFileSync(
        page,
        Sections.withSection(Fs.existsSync(page) ? Fs.readFileSync(page, "utf8") : "", "history", text)
      )
    }
  })

const runsArg = process.argv.indexOf("--runs")
Effect.runPromise(main(runsArg === -1 ? 5 : Number(process.argv[runsArg + 1]), !process.argv.includes("--no-write")))
  .catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  })
