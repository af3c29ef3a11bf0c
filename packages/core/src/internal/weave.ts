/**
 * Address ordering policy, pure: RFC 8305 section 4 interleaving and the concurrent
 * resolver's weaving of late answers into the addresses not yet handed out (section 3).
 *
 * The concurrent resolver is a reducer: each family's answer is an event that rewrites the
 * unsent tail; pulling takes the head. No Effect, no clock: tested as tables.
 *
 * @internal
 */
import type { AddrInfo, Family } from "../AddrInfo.js"

/**
 * Takes `firstExtras` from `first`, then alternates one to one between the rest of `first` and
 * `second`, skipping a list that has run out (the seed's `_weave`).
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

/** The state of a concurrent resolution, as the consumer sees it. */
export interface State {
  /** Addresses resolved but not yet handed out, in the order they will be. */
  readonly unsent: ReadonlyArray<AddrInfo>
  /** How many addresses have been handed out. */
  readonly sent: number
  /** The families whose lookup has ended, with an answer or an error. */
  readonly ended: ReadonlyArray<Family>
}

export const initial: State = { unsent: [], sent: 0, ended: [] }

/**
 * An answer arrived (the IPv4 one only once the resolution delay has run out or IPv6 has
 * ended). IPv6 always moves ahead of unsent IPv4. IPv4 arriving after some IPv6 addresses
 * were handed out gives IPv6 only the part of its first-family quota not yet used.
 */
export const onAnswer = (
  state: State,
  family: Family,
  addresses: ReadonlyArray<AddrInfo>,
  firstAddressFamilyCount: number
): State => {
  const ended = [...state.ended, family]
  if (state.unsent.length === 0) return { ...state, unsent: addresses, ended }
  if (family === 6) {
    return { ...state, unsent: weave(addresses, state.unsent, firstAddressFamilyCount - 1), ended }
  }
  const extraV6 = firstAddressFamilyCount - state.sent
  const unsent = extraV6 <= 0 ?
    weave(addresses, state.unsent, 0) :
    weave(state.unsent, addresses, extraV6 - 1)
  return { ...state, unsent, ended }
}

/** A family's lookup failed: nothing to weave, but the family has ended. */
export const onFailure = (state: State, family: Family): State => ({ ...state, ended: [...state.ended, family] })

/** Hands out the next address, if one is resolved. */
export const take = (state: State): [AddrInfo, State] | undefined =>
  state.unsent.length === 0 ?
    undefined :
    [state.unsent[0], { ...state, unsent: state.unsent.slice(1), sent: state.sent + 1 }]

/** Both lookups have ended and everything resolved has been handed out. */
export const isExhausted = (state: State): boolean => state.ended.length === 2 && state.unsent.length === 0
