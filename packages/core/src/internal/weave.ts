/**
 * Address ordering policy, pure: RFC 8305 section 4 interleaving and the concurrent
 * resolver's weaving of late answers into the addresses not yet handed out (section 3).
 *
 * The concurrent resolver is a reducer: each family's answer is an event that rewrites the
 * unsent tail; pulling takes the head. No Effect, no clock: tested as tables.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Either from "effect/Either"
import type { AddrInfo, Family } from "../AddrInfo.js"
import * as validate from "./validate.js"

/**
 * Takes `firstExtras` from `first`, then alternates one to one between the rest of `first` and
 * `second`, skipping a list that has run out (async_stagger's `_weave`).
 */
export const weave = <A>(first: ReadonlyArray<A>, second: ReadonlyArray<A>, firstExtras: number): Array<A> => {
  const extras = Math.max(0, Math.min(firstExtras, first.length))
  const out = first.slice(0, extras)
  const rest = first.length - extras
  for (let i = 0; i < Math.max(rest, second.length); i++) {
    if (i < rest) out.push(first[extras + i])
    if (i < second.length) out.push(second[i])
  }
  return out
}

/**
 * RFC 8305 section 4: "the First Address Family Count ... addresses of the first family,
 * then alternate". Groups by family in order of first appearance; the first family is that
 * of the first address.
 */
export const interleave = (addresses: ReadonlyArray<AddrInfo>, firstAddressFamilyCount: number): Array<AddrInfo> => {
  if (addresses.length === 0) return []
  const firstFamily = addresses[0].family
  const first = addresses.filter((a) => a.family === firstFamily)
  const second = addresses.filter((a) => a.family !== firstFamily)
  return weave(first, second, firstAddressFamilyCount - 1)
}

/**
 * The public `interleave`, which may be called with any number: one that is not an integer of
 * at least 1 would leave out addresses (`NaN`) or make holes (`1.5`), so it is thrown, as the
 * resolvers and the connect functions reject it.
 */
export const interleaveChecked = (
  addresses: ReadonlyArray<AddrInfo>,
  firstAddressFamilyCount: number
): Array<AddrInfo> => {
  const count = validate.firstAddressFamilyCount(firstAddressFamilyCount)
  if (Either.isLeft(count)) throw count.left
  return interleave(addresses, count.right)
}

/** The state of a concurrent resolution, as the consumer sees it. */
export interface State {
  /** Addresses resolved but not yet handed out, in the order they will be. */
  readonly unsent: ReadonlyArray<AddrInfo>
  /** How many addresses have been handed out. */
  readonly sent: number
  /** The families whose lookup has ended, with an answer or an error. */
  readonly ended: ReadonlyArray<Family>
  /** An IPv4 answer that came before IPv6 ended, held for the Resolution Delay. */
  readonly held: ReadonlyArray<AddrInfo> | undefined
}

/** What can happen to a concurrent resolution. */
export type Event =
  | { readonly _tag: "Answer"; readonly family: Family; readonly addresses: ReadonlyArray<AddrInfo> }
  | { readonly _tag: "Failure"; readonly family: Family }
  | { readonly _tag: "ResolutionDelayElapsed" }

export const initial: State = { unsent: [], sent: 0, ended: [], held: undefined }

/**
 * IPv6 always moves ahead of unsent IPv4. IPv4 merging after some IPv6 addresses were handed
 * out gives IPv6 only the part of its first-family quota not yet used.
 */
const merge = (state: State, family: Family, addresses: ReadonlyArray<AddrInfo>, count: number): State => {
  if (state.unsent.length === 0) return { ...state, unsent: addresses }
  if (family === 6) return { ...state, unsent: weave(addresses, state.unsent, count - 1) }
  const extraV6 = count - state.sent
  const unsent = extraV6 <= 0 ? weave(addresses, state.unsent, 0) : weave(state.unsent, addresses, extraV6 - 1)
  return { ...state, unsent }
}

/** Releases a held IPv4 answer into the order. */
const release = (state: State, count: number): State =>
  state.held === undefined ? state : { ...merge(state, 4, state.held, count), held: undefined }

/**
 * RFC 8305 section 3: an IPv6 answer is used at once; an IPv4 answer that comes first is held
 * until IPv6 ends (answered or failed) or the Resolution Delay elapses. Releasing it in the
 * same step as the IPv6 answer keeps the families fully interleaved when IPv6 makes it in
 * time, however eagerly the consumer pulls.
 */
export const reduce = (state: State, event: Event, count: number): State => {
  switch (event._tag) {
    case "ResolutionDelayElapsed":
      return release(state, count)
    case "Failure": {
      const ended = { ...state, ended: [...state.ended, event.family] }
      return event.family === 6 ? release(ended, count) : ended
    }
    case "Answer": {
      const ended = { ...state, ended: [...state.ended, event.family] }
      if (event.family === 6) return release(merge(ended, 6, event.addresses, count), count)
      return state.ended.includes(6) ? merge(ended, 4, event.addresses, count) : { ...ended, held: event.addresses }
    }
  }
}

/**
 * Hands out the next addresses, if any is resolved and not held: the next one while a late
 * answer may still be woven in ahead of the rest, all of them once both lookups have ended
 * and nothing is held (the order is then final).
 */
export const take = (state: State): [NonEmptyReadonlyArray<AddrInfo>, State] | undefined => {
  const { unsent } = state
  if (!Arr.isNonEmptyReadonlyArray(unsent)) return undefined
  const final = state.ended.length === 2 && state.held === undefined
  const taken = final ? unsent : Arr.of(unsent[0])
  return [taken, { ...state, unsent: unsent.slice(taken.length), sent: state.sent + taken.length }]
}

/** Both lookups have ended and everything resolved has been handed out. */
export const isExhausted = (state: State): boolean =>
  state.ended.length === 2 && state.unsent.length === 0 && state.held === undefined
