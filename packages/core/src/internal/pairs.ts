/**
 * The attempts' addresses: each remote with the local addresses of its family.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { AddrInfo, LocalAddress } from "../AddrInfo.js"
import * as ip from "./ip.js"
import type * as stagger from "./stagger.js"

export type Pair = readonly [AddrInfo, LocalAddress | undefined]

const isArray = (u: unknown): u is ReadonlyArray<LocalAddress> => Array.isArray(u)

/** Fix: a local address is paired only with remotes of its own family. */
export const sameFamily = (remote: AddrInfo, local: LocalAddress | undefined) =>
  local === undefined || ip.ipFamily(local.address) === remote.family

/**
 * The attempts' addresses, in order: each remote as the resolver gives it, with each local
 * address of its family in the given order (async_stagger's `product`: local addresses from a
 * Stream are pulled once, as far as needed, and replayed for every later remote).
 */
export const pairsOf = <E2, R2>(
  remotes: stagger.Source<AddrInfo, E2, R2>,
  locals: stagger.Source<LocalAddress, Cause.IllegalArgumentException, never> | ReadonlyArray<LocalAddress> | undefined
): stagger.Source<Pair, E2 | Cause.IllegalArgumentException, R2> & { readonly remotesSeen: () => number } => {
  let remotesSeen = 0
  // The remote being paired, and its pairs with the local addresses known so far.
  let current: AddrInfo | undefined
  let pending: Array<Pair> = []
  const stream = locals === undefined || isArray(locals) ? undefined : locals
  const known: Array<LocalAddress> = locals !== undefined && isArray(locals) ? [...locals] : []
  let allKnown = stream === undefined
  const pull: Effect.Effect<Option.Option<Pair>, E2 | Cause.IllegalArgumentException, R2> = Effect.suspend(() => {
    const next = pending.shift()
    if (next !== undefined) return Effect.succeedSome(next)
    const remote = current
    if (remote !== undefined && stream !== undefined && !allKnown) {
      // The current remote with the next local address not yet pulled.
      return Effect.flatMap(stream.pull, (local) => {
        if (Option.isNone(local)) {
          allKnown = true
        } else {
          known.push(local.value)
          if (sameFamily(remote, local.value)) pending.push([remote, local.value])
        }
        return pull
      })
    }
    return Effect.flatMap(remotes.pull, (next) => {
      if (Option.isNone(next)) return Effect.succeedNone
      remotesSeen++
      const r = current = next.value
      pending = locals === undefined ? [[r, undefined]] : known.filter((l) => sameFamily(r, l)).map((l) => [r, l])
      return pull
    })
  })
  return { pull, remotesSeen: () => remotesSeen }
}
