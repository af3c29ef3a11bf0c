/**
 * validate.ts: brings the lab up for each scenario and times Node's own connect in it.
 *
 * Why: the scenarios are only worth their numbers if the lab reproduces them; this script
 * measures `baseline.mjs` (Node's `net.connect`) RUNS times per scenario, prints the medians
 * next to the reference figures and checks that every lab was torn down.
 *
 * Usage (as root, from the repository root):
 *   npx tsx packages/node/test/lab/validate.ts [--runs N] [--mode auto|plain] [KEY...]
 * KEY is a scenario key (A, B, C, D, E, F, F2, G, H, I); default: all of them.
 * Prints a Markdown table; exits 1 if the lab is unavailable or a lab was left behind.
 */
import * as Effect from "effect/Effect"
import * as Lab from "./Lab.js"
import * as Scenarios from "./scenarios.js"

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  const value = i >= 0 ? args[i + 1] : undefined
  if (i >= 0) args.splice(i, 2)
  return value ?? fallback
}
const runs = Number(option("--runs", "3"))
const mode = option("--mode", "auto") === "plain" ? "plain" : "auto"
const selected = args.length === 0 ? Scenarios.all : Scenarios.all.filter((s) => args.includes(s.key))

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const measure = (scenario: Scenarios.Scenario) =>
  Effect.scoped(
    Effect.gen(function*() {
      const lab = yield* Lab.make(scenario.config)
      const results: Array<Lab.BaselineResult> = []
      for (let i = 0; i < runs; i++) {
        const options = scenario.baselineLocalAddress === undefined
          ? { timeoutMs: 5_000 }
          : { timeoutMs: 5_000, localAddress: scenario.baselineLocalAddress }
        results.push(yield* Lab.baseline(lab, mode, scenario.host, options))
      }
      return results
    })
  )

const program = Effect.gen(function*() {
  const availability = yield* Lab.available
  if (!availability.ok) return yield* Effect.fail(`lab unavailable: ${availability.reason}`)
  const rows: Array<string> = [
    `| scenario | ideal | reference Node auto | measured Node ${mode} (median of ${runs}) | runs (ms) | winner |`,
    "|---|---|---|---|---|---|"
  ]
  for (const scenario of selected) {
    const results = yield* measure(scenario)
    const oks = results.flatMap((r) => (r.ok ? [r] : []))
    const winners = [...new Set(oks.map((r) => r.remote))].join(", ")
    const failures = results.flatMap((r) => (r.ok ? [] : [r.error]))
    const measured = oks.length === results.length
      ? `${median(oks.map((r) => r.ms)).toFixed(1)} ms`
      : oks.length === 0
      ? `fails in ${median(results.map((r) => r.ms)).toFixed(1)} ms`
      : `${oks.length} of ${results.length} connected`
    rows.push(
      `| ${scenario.key} ${scenario.title} | ${scenario.ideal.ms} ms, ${scenario.ideal.winner} | ` +
        `${scenario.nodeAuto.ms} ms, ${
          scenario.nodeAuto.winner ?? `fails (${scenario.nodeAuto.note ?? "error"})`
        } | ${measured} | ` +
        `${results.map((r) => r.ms.toFixed(1)).join(" / ")} | ${winners}${
          failures.length > 0 ? ` (${failures.join("; ")})` : ""
        } |`
    )
    yield* Effect.sync(() => process.stderr.write(`${rows[rows.length - 1]}\n`))
  }
  yield* Effect.sync(() => process.stdout.write(rows.join("\n") + "\n"))
  const left = yield* Lab.run("bash", [Lab.labScript, "list"])
  if (left.stdout.trim() !== "") return yield* Effect.fail(`labs left behind: ${left.stdout.trim()}`)
})

Effect.runPromiseExit(program).then((exit) => {
  if (exit._tag === "Failure") {
    process.stderr.write(`validate: ${String(exit.cause)}\n`)
    process.exitCode = 1
  }
})
