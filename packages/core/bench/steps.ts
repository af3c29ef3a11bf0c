/**
 * What a connect costs the fiber runtime, counted rather than timed: the number of steps
 * (effects evaluated) and of fibers, over a dial and lookups that do no I/O but answer in a
 * later turn of the event loop, as sockets and resolvers do (both lookups in the same turn).
 * Unlike time, the count is the same on every run and every machine, so a change to the hot
 * path can be judged by it on a noisy machine; it moves only when the code or Effect does.
 *
 * Counted with a `Supervisor` whose `onEffect` sees every step once the `OpSupervision`
 * runtime flag is on; the harness's own steps (Effect.void under it) are subtracted.
 *
 * Run: `npx pnpm@10.34.9 bench` (from the repository root), after race.ts.
 */
import { type AddrInfo, GetAddrInfo, HappyEyeballs } from "@effect-stagger/core"
import * as Effect from "effect/Effect"
import { counted, Counter } from "./counter.js"

/** Resumes, in one turn of the event loop, every fiber that waits for it. */
let waiters: Array<() => void> = []
const nextTurn = Effect.async<void>((resume) => {
  if (waiters.length === 0) {
    setImmediate(() => {
      const all = waiters
      waiters = []
      for (const wake of all) wake()
    })
  }
  waiters.push(() => resume(Effect.void))
})

const count = async (effect: Effect.Effect<unknown, unknown, GetAddrInfo.GetAddrInfo>, addresses: number) => {
  const counter = new Counter()
  const service = GetAddrInfo.GetAddrInfo.of({
    // Both families answer together, in a later turn of the event loop, as a real resolver
    // does: a connect to a name waits for its lookups.
    lookup: (_host, _port, { family }) =>
      Effect.as(
        nextTurn,
        Array.from({ length: addresses }, (_, i): AddrInfo.AddrInfo => ({
          family: family === 4 ? 4 : 6,
          address: family === 4 ? `192.0.2.${i + 1}` : `2001:db8::${i + 1}`,
          port: 443
        }))
      )
  })
  const value = await Effect.runPromise(
    counted(Effect.provideService(effect, GetAddrInfo.GetAddrInfo, service), counter)
  )
  return { steps: counter.steps, fibers: counter.fibers, value }
}

/**
 * Refuses every address but `winner`, and connects to that one, each in a later turn of the
 * event loop, as a socket answers.
 */
const dialTo = (winner: string) => (remote: AddrInfo.AddrInfo) =>
  Effect.zipRight(nextTurn, remote.address === winner ? Effect.succeed(remote.address) : Effect.fail("ECONNREFUSED"))

// Each case: what it is, the connect, addresses per family, and the address that must win.
const cases: ReadonlyArray<
  readonly [string, Effect.Effect<unknown, unknown, GetAddrInfo.GetAddrInfo>, number, string]
> = [
  [
    "an IP literal",
    Effect.scoped(HappyEyeballs.connectWith({ host: "192.0.2.1", port: 443, dial: dialTo("192.0.2.1") })),
    1,
    "192.0.2.1"
  ],
  [
    "a name, 1+1 addresses, the first answers",
    Effect.scoped(HappyEyeballs.connectWith({ host: "example.test", port: 443, dial: dialTo("2001:db8::1") })),
    1,
    "2001:db8::1"
  ],
  [
    "a name, 5+5 addresses, the ninth answers",
    Effect.scoped(HappyEyeballs.connectWith({ host: "example.test", port: 443, dial: dialTo("2001:db8::5") })),
    5,
    "2001:db8::5"
  ]
]

const main = async () => {
  const harness = await count(Effect.scoped(Effect.void), 1)
  console.log("fiber-runtime steps per connect (the harness excluded):")
  for (const [name, effect, addresses, winner] of cases) {
    const result = await count(effect, addresses)
    // A count is only worth reading for the connect it claims to be.
    if (result.value !== winner) throw new Error(`${name}: ${String(result.value)} won, not ${winner}`)
    console.log(
      `  ${name.padEnd(42)} ${String(result.steps - harness.steps).padStart(5)} steps, ` +
        `${result.fibers - harness.fibers} fibers`
    )
  }
}

main()
