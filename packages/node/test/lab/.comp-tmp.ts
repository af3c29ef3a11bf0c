import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as Resolver from "@effect-stagger/core/Resolver"
import * as NodeGetAddrInfo from "@effect-stagger/node/NodeGetAddrInfo"
import * as NodeHappyEyeballs from "@effect-stagger/node/NodeHappyEyeballs"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Dns from "node:dns"
import * as Net from "node:net"
import { performance } from "node:perf_hooks"
const [component, mode] = process.argv.slice(2)
const host = "svc.lab"
const run = <A, E>(e: Effect.Effect<A, E, any>) => Effect.runPromise(Effect.scoped(e).pipe(Effect.provide(NodeGetAddrInfo.layer)) as Effect.Effect<A, E, never>)
const components: Record<string, () => Promise<unknown>> = {
  raw: () => new Promise((res) => Dns.lookup(host, { all: true }, (_e, addrs) => { const s = Net.connect({ host: addrs[0].address, port: 8080 }); s.on("connect", () => { s.destroy(); res(0) }) })),
  rawLookup2: () => Promise.all([6, 4].map((family) => new Promise((res) => Dns.lookup(host, { all: true, family, order: "verbatim" }, res)))),
  effectNoop: () => run(Effect.void),
  gai2: () => run(Effect.flatMap(GetAddrInfo.GetAddrInfo, (g) => Effect.all([g.lookup(host, 8080, { family: 6 }), g.lookup(host, 8080, { family: 4 })], { concurrency: 2 }))),
  resolver: () => run(Stream.runCollect(Resolver.concurrentResolver(host, 8080))),
  dial: () => run(NodeHappyEyeballs.dial({ family: 6, address: "2001:db8:1::10", port: 8080 }, undefined)),
  literal: () => run(NodeHappyEyeballs.createConnectedSock("2001:db8:1::10", 8080)),
  full: () => run(NodeHappyEyeballs.createConnectedSock(host, 8080))
}
const warm = Effect.forEach(["warm-up.stg-lab.invalid", "localhost"], (h) => Effect.ignore(Effect.scoped(NodeHappyEyeballs.createConnectedSock(h, 9))), { discard: true })
const main = async () => {
  const loaded = performance.now()
  if (mode === "warm") await run(warm)
  const f = components[component]
  const times: Array<number> = []
  for (let i = 0; i < 31; i++) { const t = performance.now(); await f(); times.push(performance.now() - t) }
  const rest = times.slice(1).sort((a, b) => a - b)
  console.log(JSON.stringify({ component, mode, loaded: +loaded.toFixed(0), first: +times[0].toFixed(2), second: +times[1].toFixed(2), steadyMedian: +rest[15].toFixed(2), steadyMin: +rest[0].toFixed(2) }))
}
main()
