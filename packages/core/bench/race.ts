/**
 * The cost of the staggered race itself, outside any network.
 *
 * - one race of 3 attempts that succeed at once (the common case: the first address works);
 * - one race over N attempts that fail at once, for N = 1,000, 10,000 and 100,000: the cost
 *   per attempt must not grow with N (no quadratic work).
 *
 * Run: `npx pnpm@10.34.9 bench` (from the repository root).
 */
import { Stagger } from "@effect-stagger/core"
import * as Effect from "effect/Effect"
import { performance } from "node:perf_hooks"

const immediate = [Effect.succeed(1), Effect.succeed(2), Effect.succeed(3)]
const raceOfThree = Stagger.staggeredRace(immediate, { delay: 250 })

const failing = (n: number) =>
  Stagger.staggeredRace(
    {
      *[Symbol.iterator]() {
        for (let i = 0; i < n; i++) yield Effect.fail(i)
      }
    },
    { delay: 250 }
  )

const time = async (runs: number, run: () => Promise<unknown>) => {
  const start = performance.now()
  for (let i = 0; i < runs; i++) await run()
  return (performance.now() - start) / runs
}

const main = async () => {
  // warm up the JIT
  await time(2000, () => Effect.runPromise(raceOfThree))
  await Effect.runPromise(failing(10_000))

  const perRace = await time(5000, () => Effect.runPromise(raceOfThree))
  const inLoop = await Effect.runPromise(
    Effect.gen(function*() {
      const start = performance.now()
      for (let i = 0; i < 5000; i++) yield* raceOfThree
      return (performance.now() - start) / 5000
    })
  )
  console.log(`race of 3 immediate attempts: ${(perRace * 1000).toFixed(1)} us per runPromise`)
  console.log(`race of 3 immediate attempts: ${(inLoop * 1000).toFixed(1)} us each inside one Effect`)

  for (const n of [1_000, 10_000, 100_000]) {
    const ms = await time(n >= 100_000 ? 1 : 3, () => Effect.runPromise(failing(n)))
    console.log(
      `race of ${n.toLocaleString("en")} attempts failing at once: ${ms.toFixed(1)} ms ` +
        `(${((ms * 1000) / n).toFixed(2)} us per attempt)`
    )
  }
}

main()
