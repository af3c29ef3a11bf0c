import * as NodeGetAddrInfo from "@effect-stagger/node/NodeGetAddrInfo"
import * as NodeHappyEyeballs from "@effect-stagger/node/NodeHappyEyeballs"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import { performance } from "node:perf_hooks"
const host = process.argv[2] ?? "svc.lab"
const cold = process.argv[3] === "cold"
const loops = Number(process.argv[4] ?? 1)
const warm = Effect.forEach(["warm-up.stg-lab.invalid", "localhost"], (h) => Effect.ignore(Effect.scoped(NodeHappyEyeballs.createConnectedSock(h, 9))), { discard: true })
const main = async () => {
  const loaded = performance.now()
  if (!cold) await Effect.runPromise(warm.pipe(Effect.provide(NodeGetAddrInfo.layer)))
  const windows: Array<[string, string, number]> = []
  for (let i = 0; i < loops; i++) {
    const marks: Array<string> = []
    const t0 = process.hrtime.bigint()
    const p0 = performance.now()
    await Effect.runPromise(Effect.scoped(NodeHappyEyeballs.createConnectedSock(host, 8080, { onEvent: (e) => Effect.sync(() => { marks.push(`${e._tag}@${e.at.toFixed(2)}`) }) })).pipe(Effect.provide(NodeGetAddrInfo.layer)))
    const ms = performance.now() - p0
    const t1 = process.hrtime.bigint()
    windows.push([String(t0 / 1000n), String(t1 / 1000n), ms])
    console.error(i, ms.toFixed(2), marks.join(" "))
  }
  Fs.writeFileSync("/tmp/me/window.json", JSON.stringify({ loaded, windows }))
}
main()
