/**
 * Scripted networks for TestClock tests: a `GetAddrInfo` whose answers come after a delay,
 * and a dialer whose attempts connect, fail or hang after a delay, logging each start and
 * each finalizer with its virtual time.
 */
import type { AddrInfo } from "@effect-stagger/core"
import { GetAddrInfo } from "@effect-stagger/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"

export const v6 = (n: number, port = 80): AddrInfo.AddrInfo => ({ family: 6, address: `2001:db8::${n}`, port })
export const v4 = (n: number, port = 80): AddrInfo.AddrInfo => ({ family: 4, address: `192.0.2.${n}`, port })

export interface Answer {
  readonly after: number
  readonly addresses?: ReadonlyArray<AddrInfo.AddrInfo>
  readonly error?: string
}

/** Lookups answer per family; family 0 answers both, IPv6 first. */
export const lookups = (answers: { readonly 4?: Answer; readonly 6?: Answer }) =>
  Layer.succeed(GetAddrInfo.GetAddrInfo, {
    lookup: (host, port, { family }) => {
      const one = (f: 4 | 6) => {
        const answer = answers[f] ?? { after: 0, addresses: [] }
        return Effect.sleep(answer.after).pipe(
          Effect.zipRight(
            answer.error !== undefined ?
              Effect.fail(new GetAddrInfo.ResolveError({ host, family: f, message: answer.error })) :
              Effect.succeed((answer.addresses ?? []).map((a) => ({ ...a, port })))
          )
        )
      }
      return family === 0 ?
        Effect.map(Effect.all([one(6), one(4)]), ([a, b]) => [...a, ...b]) :
        one(family)
    }
  })

export type Outcome = { readonly after: number; readonly ok: boolean; readonly code?: string } | "hang"

export class DialFailure {
  readonly _tag = "DialFailure"
  constructor(readonly message: string, readonly code?: string) {}
}

/** A dialer over a table of outcomes by address; unknown addresses are refused at once. */
export const makeDialer = Effect.gen(function*() {
  const log = yield* Ref.make<Array<string>>([])
  const note = (line: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(log, (l) => [...l, `${now} ${line}`]))
  const dialer =
    (table: Record<string, Outcome>) => (remote: AddrInfo.AddrInfo, local: AddrInfo.LocalAddress | undefined) =>
      Effect.gen(function*() {
        const name = local ? `${remote.address}<-${local.address}` : remote.address
        yield* note(`start ${name}`)
        yield* Effect.addFinalizer(() => note(`close ${name}`))
        const outcome = table[remote.address] ?? { after: 0, ok: false, code: "ECONNREFUSED" }
        if (outcome === "hang") return yield* Effect.never
        yield* Effect.sleep(outcome.after)
        if (!outcome.ok) {
          return yield* Effect.fail(
            new DialFailure(
              `connect ${outcome.code ?? "ECONNREFUSED"} ${remote.address}`,
              outcome.code ?? "ECONNREFUSED"
            )
          )
        }
        return name
      })
  return { log: Ref.get(log), dialer, note }
})

/** Forks the effect, moves the clock, and returns its exit. */
export const runFor = <A, E, R>(effect: Effect.Effect<A, E, R>, millis: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(millis)
    return yield* Fiber.await(fiber)
  })
