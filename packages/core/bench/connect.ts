/**
 * The fixed cost of `connectWith` on its hot path (an IP literal: no resolution, no race),
 * over a dial that does no I/O, next to its parts. What the Node transport adds on top is
 * measured by packages/node/bench/loopback.ts.
 *
 * Run: `npx tsx --conditions=@effect-stagger/source packages/core/bench/connect.ts`
 */
import { HappyEyeballs, Resolver } from "@effect-stagger/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { performance } from "node:perf_hooks"

const lookups = Layer.succeed(Resolver.GetAddrInfo, {
  lookup: (_host, port, { family }) =>
    Effect.succeed(family === 4 ? [{ family: 4 as const, address: "192.0.2.1", port }] : [])
})

const loop = (name: string, n: number, effect: Effect.Effect<unknown, unknown, Resolver.GetAddrInfo>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000; i++) yield* effect
    const start = performance.now()
    for (let i = 0; i < n; i++) yield* effect
    console.log(`${name.padEnd(48)} ${(((performance.now() - start) * 1000) / n).toFixed(1)} us`)
  })

const dial = () => Effect.succeed("connection")
const literal = Effect.scoped(HappyEyeballs.connectWith({ host: "192.0.2.1", port: 80, dial }))
const named = Effect.scoped(HappyEyeballs.connectWith({ host: "example.test", port: 80, dial }))

Effect.runPromise(
  Effect.gen(function*() {
    yield* loop("Effect.scoped(Effect.succeed)", 20000, Effect.scoped(Effect.succeed(1)))
    yield* loop("Scope.make + close", 20000, Effect.flatMap(Scope.make(), (s) => Scope.close(s, Effect.void as never)))
    yield* loop("withSpan(succeed)", 20000, Effect.withSpan(Effect.succeed(1), "x"))
    yield* loop("connectWith, IP literal", 20000, literal)
    yield* loop("connectWith, a name (resolver + race of 1)", 5000, named)
  }).pipe(Effect.provide(lookups))
)
