/**
 * History in memory, and how a connect applies it to the resolver's addresses.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type { AddrInfo, FamilyOption } from "../AddrInfo.js"
import type * as History from "../History.js"
import type * as stagger from "./stagger.js"

/** The Happy Eyeballs v3 draft's suggestion for how long history is kept: 10 minutes. */
const DEFAULT_TTL = Duration.minutes(10)
const DEFAULT_CAPACITY = 1000

interface Stored {
  readonly entry: History.Entry
  readonly updatedAt: number
}

const same = (a: AddrInfo, b: AddrInfo) => a.family === b.family && a.address === b.address

/** The new entry: the winner replaces the last one; a remembered winner that failed is dropped. */
export const merge = (previous: History.Entry | undefined, outcome: History.Outcome): History.Entry => {
  const failed = [
    ...(previous?.failed ?? []).filter((a) => !outcome.failed.some((b) => same(a, b))),
    ...outcome.failed
  ].filter((a) => Option.match(outcome.winner, { onNone: () => true, onSome: (w) => !same(a, w.address) }))
  const winner = Option.isSome(outcome.winner) ?
    outcome.winner :
    Option.filter(previous?.winner ?? Option.none(), (w) => !outcome.failed.some((a) => same(a, w.address)))
  return { winner, failed }
}

const checkOptions = (options: History.MemoryOptions | undefined) => {
  const ttl = options?.ttl === undefined ? Option.some(DEFAULT_TTL) : Duration.decodeUnknown(options.ttl)
  if (Option.isNone(ttl) || Number.isNaN(Duration.toMillis(ttl.value)) || Duration.toMillis(ttl.value) < 0) {
    return Effect.die(new Cause.IllegalArgumentException(`History.layerMemory: ttl must be a duration of at least 0`))
  }
  const capacity = options?.capacity ?? DEFAULT_CAPACITY
  if (!(Number.isInteger(capacity) && capacity >= 1)) {
    return Effect.die(
      new Cause.IllegalArgumentException(
        `History.layerMemory: capacity must be an integer of at least 1, got ${String(capacity).slice(0, 40)}`
      )
    )
  }
  return Effect.succeed({ ttl: Duration.toMillis(ttl.value), capacity })
}

export const makeMemory = (options?: History.MemoryOptions): Effect.Effect<History.History["Type"]> =>
  Effect.gen(function*() {
    const { capacity, ttl } = yield* checkOptions(options)
    // A Map keeps insertion order: the first key is the least recently used.
    const entries = yield* Ref.make(new Map<string, Stored>())
    const keyOf = (host: string, port: number) => `${host.toLowerCase()}:${port}`
    return {
      lookup: (host, port) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(entries, (map) => {
            const key = keyOf(host, port)
            const stored = map.get(key)
            if (stored === undefined) return [Option.none(), map]
            const next = new Map(map)
            next.delete(key)
            if (now - stored.updatedAt > ttl) return [Option.none(), next]
            next.set(key, stored)
            return [Option.some(stored.entry), next]
          })),
      record: (host, port, outcome) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.update(entries, (map) => {
            const key = keyOf(host, port)
            const previous = map.get(key)
            const next = new Map(map)
            next.delete(key)
            const fresh = previous !== undefined && now - previous.updatedAt <= ttl ? previous.entry : undefined
            next.set(key, { entry: merge(fresh, outcome), updatedAt: now })
            for (const oldest of next.keys()) {
              if (next.size <= capacity) break
              next.delete(oldest)
            }
            return next
          }))
    }
  })

/** How history changed the order of a connect's attempts, for its trace and span. */
export interface Applied {
  readonly remembered: AddrInfo | undefined
  readonly demoted: number
}

/**
 * The resolver's addresses as history orders them: the remembered winner (of a family asked
 * for) first, before the resolver answers; then the resolver's addresses less that one, with
 * the ones that failed recently held back until the resolver has no more.
 */
export const prefer = <E, R>(
  remotes: stagger.Source<AddrInfo, E, R>,
  entry: History.Entry,
  family: FamilyOption,
  port: number
): stagger.Source<AddrInfo, E, R> & { readonly applied: () => Applied } => {
  const winner = Option.getOrUndefined(entry.winner)?.address
  const remembered = winner !== undefined && (family === 0 || winner.family === family) ?
    { ...winner, port } :
    undefined
  let first = remembered
  const held: Array<AddrInfo> = []
  let demoted = 0
  let exhausted = false
  const pull: Effect.Effect<Option.Option<AddrInfo>, E, R> = Effect.suspend(() => {
    if (first !== undefined) {
      const next = first
      first = undefined
      return Effect.succeedSome(next)
    }
    if (exhausted) return Effect.succeed(Option.fromNullable(held.shift()))
    return Effect.flatMap(remotes.pull, (next) => {
      if (Option.isNone(next)) {
        exhausted = true
        return pull
      }
      const address = next.value
      if (remembered !== undefined && same(address, remembered)) return pull
      if (entry.failed.some((failed) => same(failed, address))) {
        held.push(address)
        demoted++
        return pull
      }
      return Effect.succeedSome(address)
    })
  })
  return { pull, applied: () => ({ remembered, demoted }) }
}
