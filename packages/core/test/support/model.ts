/**
 * A reference model of Happy Eyeballs' schedule, in plain TypeScript: no Effect, no fibers, no
 * clock. Given a scripted network it says, in discrete virtual time, which address each attempt
 * goes to and when it starts, which attempt wins and when, and when each attempt's resources
 * are released. `Model.test.ts` checks `HappyEyeballs.connectWith` over
 * `Resolver.concurrentResolver` against it.
 *
 * It is written from the rules (REFERENCE.md section 2, API.md, RFC 8305 sections 3-5), not
 * from the implementation:
 *
 * - Resolution (RFC 8305 section 3, async_stagger's `concurrent_resolver`): AAAA and A are asked
 *   in parallel. An IPv6 answer is usable at once and moves ahead of every IPv4 address not yet
 *   handed out (First Address Family Count IPv6 addresses, then one of each in turn). An IPv4
 *   answer that comes while IPv6 is still pending is held for the Resolution Delay, or until
 *   IPv6 ends (answered or failed), whichever is first; released with IPv6 addresses present,
 *   it is interleaved so that the First Address Family Count IPv6 addresses, counting those
 *   already handed out, come first. A lookup that fails or answers nothing adds nothing; both
 *   failing fails the resolution when the later one ends.
 * - The race (RFC 8305 section 5, `staggered_race`): attempt 0 starts as soon as an address is
 *   known. Attempt i+1 is due at min(start(i) + delay, the time attempt i fails); `delay` null
 *   means only on failure, 0 means at once. A due attempt takes the next address the resolver
 *   has at that moment, or, if it has none yet, the first one it gets. Nothing starts at or
 *   after the first success; the first success wins.
 * - Ending: the winner's connection is the result, kept until the caller's scope closes; every
 *   other attempt is closed when it fails or, if still running, when the race is won. Without a
 *   winner: if an attempt hangs, the connect never returns (the test interrupts it at
 *   `HORIZON`); else it fails once every attempt has failed and the resolver has ended, with
 *   the one `DialFailure` if there was one attempt, a `ConnectError` for several, or the
 *   `ResolveError` when nothing resolved.
 *
 * Ties. Events in the same millisecond (two connects completing together, a delay expiring as
 * an answer arrives) have no order in the rules. The model is run on the network with every
 * independent duration moved by a tiny amount (less than a microsecond in total), once each
 * way for two random directions, and the resolver's durations in all eight combinations of
 * directions; when the runs, rounded back to milliseconds, do not agree, the network sits on a tie and `schedule` returns `undefined` (the property test does
 * not generate such networks). When they agree, the result does not depend on how the tie is
 * broken. Chains of cause and effect in the same millisecond (an answer starting an attempt,
 * `delay` 0, a 0 ms refusal) are exact in every run, so they are never taken for ties.
 */

/** How connecting to one address goes: it connects or is refused after `latency` ms, or hangs. */
export interface Endpoint {
  readonly family: 4 | 6
  readonly address: string
  readonly latency: number
  readonly outcome: "ok" | "refused" | "hang"
}

/** One family's lookup: it ends after `after` ms; `fails` (or no address) is a failed lookup. */
export interface Lookup {
  readonly after: number
  readonly fails: boolean
}

export interface Network {
  /** The lookups' answers, in the order the system returns them. */
  readonly v6: ReadonlyArray<Endpoint>
  readonly v4: ReadonlyArray<Endpoint>
  readonly lookup6: Lookup
  readonly lookup4: Lookup
  /** The Connection Attempt Delay in ms; `null` for one attempt at a time. */
  readonly delay: number | null
  readonly firstAddressFamilyCount: number
  /** The Resolution Delay in ms. */
  readonly resolutionDelay: number
}

/** When the test gives up on a connect that never ends, and interrupts it. */
export const HORIZON = 100_000

export type Ending =
  | { readonly _tag: "Connected"; readonly address: string; readonly at: number }
  | {
    readonly _tag: "Failed"
    readonly error: "ResolveError" | "DialFailure" | "ConnectError"
    /** The addresses whose errors the failure holds, in start order. */
    readonly addresses: ReadonlyArray<string>
    readonly at: number
  }
  | { readonly _tag: "Pending" }

export interface Schedule {
  readonly ending: Ending
  /** Every attempt, in start order: its address and its start time. */
  readonly starts: ReadonlyArray<readonly [address: string, at: number]>
  /**
   * When each attempt's resources were released: a time (before the connect returned, or at
   * `HORIZON` for a connect interrupted there), or `"scope"` for the winner, whose connection
   * lives until the caller's scope closes.
   */
  readonly closes: Readonly<Record<string, number | "scope">>
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/**
 * `lead` goes first, `leadCount` of it, then one of `other` and one of `lead` in turn; a list
 * that runs out is skipped (RFC 8305 section 4). `leadCount` 0 puts `other` first.
 */
const alternate = <A>(lead: ReadonlyArray<A>, other: ReadonlyArray<A>, leadCount: number): Array<A> => {
  const out = lead.slice(0, leadCount)
  let i = out.length
  let j = 0
  while (i < lead.length || j < other.length) {
    if (j < other.length) out.push(other[j++])
    if (i < lead.length) out.push(lead[i++])
  }
  return out
}

/** Small moves of every independent duration; see "Ties" above. */
interface Jitter {
  readonly lookup6: number
  readonly lookup4: number
  readonly resolutionDelay: number
  readonly delay: number
  readonly latency: ReadonlyArray<number>
}

type ResolverEvent = { readonly at: number; readonly apply: () => void }

/** The concurrent resolver as the consumer sees it: `next(at)` is a pull made at `at`. */
const makeResolver = (network: Network, jitter: Jitter) => {
  const k = network.firstAddressFamilyCount
  const t6 = network.lookup6.after + jitter.lookup6
  const t4 = network.lookup4.after + jitter.lookup4
  const v6 = network.lookup6.fails ? [] : network.v6
  const v4 = network.lookup4.fails ? [] : network.v4

  let unsent: Array<Endpoint> = []
  let sent = 0
  let ended = 0
  let held: ReadonlyArray<Endpoint> | undefined

  /** IPv4 joins the order; the IPv6 not yet sent keep what is left of their lead. */
  const releaseV4 = (addresses: ReadonlyArray<Endpoint>) => {
    unsent = alternate(unsent, addresses, Math.max(0, k - sent))
  }
  const releaseHeld = () => {
    if (held !== undefined) releaseV4(held)
    held = undefined
  }

  const events: Array<ResolverEvent> = [{
    at: t6,
    apply: () => {
      ended++
      // IPv6 moves ahead of unsent IPv4, with its full lead.
      if (v6.length > 0) unsent = alternate(v6, unsent, k)
      // IPv6 ending, answered or not, ends the wait of a held IPv4 answer.
      releaseHeld()
    }
  }, {
    at: t4,
    apply: () => {
      ended++
      if (v4.length === 0) return
      if (t6 > t4) held = v4
      else releaseV4(v4)
    }
  }]
  if (v4.length > 0 && t6 > t4) {
    // The Resolution Delay, counted from the IPv4 answer; moot if IPv6 ends first.
    const release = t4 + Math.max(0, network.resolutionDelay + jitter.resolutionDelay)
    if (release < t6) events.push({ at: release, apply: releaseHeld })
  }
  // Same-time events keep their order of cause: the IPv4 answer before its release.
  events.sort((a, b) => a.at - b.at)

  let applied = 0
  const applyUntil = (at: number) => {
    while (applied < events.length && events[applied].at <= at) events[applied++].apply()
  }

  const next = (
    due: number
  ):
    | { readonly _tag: "Address"; readonly endpoint: Endpoint; readonly at: number }
    | { readonly _tag: "End"; readonly at: number } =>
  {
    let now = due
    applyUntil(now)
    while (unsent.length === 0) {
      if (ended === 2 && held === undefined) return { _tag: "End", at: now }
      now = events[applied].at
      applyUntil(now)
    }
    const [endpoint, ...rest] = unsent
    unsent = rest
    sent++
    return { _tag: "Address", endpoint, at: now }
  }
  return { next }
}

// ---------------------------------------------------------------------------------------------
// The race
// ---------------------------------------------------------------------------------------------

interface Attempt {
  readonly endpoint: Endpoint
  readonly start: number
  /** When it connects or is refused; `Infinity` when it hangs. */
  readonly end: number
}

const simulate = (network: Network, jitter: Jitter): Schedule => {
  const resolver = makeResolver(network, jitter)
  const latencyJitter = new Map([...network.v6, ...network.v4].map((e, i) => [e.address, jitter.latency[i]]))

  const attempts: Array<Attempt> = []
  let won: Attempt | undefined
  const wonAt = () => won?.end ?? Infinity
  let resolverEnd: number | undefined

  let due = 0
  while (true) {
    const next = resolver.next(due)
    if (next.at >= wonAt()) break
    if (next._tag === "End") {
      resolverEnd = next.at
      break
    }
    const { endpoint, at: start } = next
    const end = endpoint.outcome === "hang" ?
      Infinity :
      start + Math.max(0, endpoint.latency + (latencyJitter.get(endpoint.address) ?? 0))
    const attempt: Attempt = { endpoint, start, end }
    attempts.push(attempt)
    if (endpoint.outcome === "ok" && end < wonAt()) won = attempt

    const byDelay = network.delay === null ?
      Infinity :
      network.delay === 0 ?
      start :
      start + network.delay + jitter.delay
    const byFailure = endpoint.outcome === "refused" ? end : Infinity
    due = Math.min(byDelay, byFailure)
    if (due === Infinity || due >= wonAt()) break
  }

  const starts = attempts.map((a) => [a.endpoint.address, a.start] as const)
  const closes: Record<string, number | "scope"> = {}

  if (won !== undefined) {
    const at = won.end
    for (const a of attempts) {
      closes[a.endpoint.address] = a === won ? "scope" : a.endpoint.outcome === "refused" && a.end < at ? a.end : at
    }
    return { ending: { _tag: "Connected", address: won.endpoint.address, at }, starts, closes }
  }

  for (const a of attempts) closes[a.endpoint.address] = a.endpoint.outcome === "hang" ? HORIZON : a.end
  if (attempts.some((a) => a.endpoint.outcome === "hang")) return { ending: { _tag: "Pending" }, starts, closes }

  // Every attempt was refused, so `due` stayed finite and the loop ran until the resolver ended.
  const at = Math.max(resolverEnd ?? 0, ...attempts.map((a) => a.end))
  const addresses = attempts.map((a) => a.endpoint.address)
  const error = attempts.length === 0 ? "ResolveError" : attempts.length === 1 ? "DialFailure" : "ConnectError"
  return { ending: { _tag: "Failed", error, addresses, at }, starts, closes }
}

// ---------------------------------------------------------------------------------------------
// Ties
// ---------------------------------------------------------------------------------------------

/** A small deterministic generator (mulberry32), seeded from the network itself. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const hash = (text: string) => {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h
}

const jitters = (network: Network): ReadonlyArray<Jitter> => {
  const next = random(hash(JSON.stringify(network)))
  // At most ~20 moves of at most 2e-5 add up: far below the half millisecond of rounding.
  const move = () => (next() < 0.5 ? -1 : 1) * (1 + next()) * 1e-5
  const count = network.v6.length + network.v4.length
  const draw = (): Jitter => ({
    lookup6: move(),
    lookup4: move(),
    resolutionDelay: move(),
    delay: move(),
    latency: Array.from({ length: count }, move)
  })
  const flip = (j: Jitter): Jitter => ({
    lookup6: -j.lookup6,
    lookup4: -j.lookup4,
    resolutionDelay: -j.resolutionDelay,
    delay: -j.delay,
    latency: j.latency.map((x) => -x)
  })
  const a = draw()
  const b = draw()
  // The resolver's three moves in every direction, so that a tie between the answers and the
  // Resolution Delay (both lookups ending in the same millisecond with a delay of 0) is always
  // seen; two random draws can miss it.
  const signs = [-1, 1]
  const resolverWays = signs.flatMap((s6) =>
    signs.flatMap((s4) =>
      signs.map((sr): Jitter => ({
        ...a,
        lookup6: s6 * Math.abs(a.lookup6),
        lookup4: s4 * Math.abs(a.lookup4),
        resolutionDelay: sr * Math.abs(a.resolutionDelay)
      }))
    )
  )
  return [a, flip(a), b, flip(b), ...resolverWays]
}

const rounded = (schedule: Schedule): Schedule => ({
  ending: schedule.ending._tag === "Pending"
    ? schedule.ending
    : { ...schedule.ending, at: Math.round(schedule.ending.at) },
  starts: schedule.starts.map(([address, at]) => [address, Math.round(at)] as const),
  closes: Object.fromEntries(
    Object.entries(schedule.closes).map(([address, at]) => [address, at === "scope" ? at : Math.round(at)])
  )
})

/**
 * The schedule of a connect over `network`, or `undefined` when the network sits on a tie whose
 * outcome the rules leave open.
 */
export const schedule = (network: Network): Schedule | undefined => {
  const runs = jitters(network).map((j) => rounded(simulate(network, j)))
  const first = JSON.stringify(runs[0])
  return runs.every((run) => JSON.stringify(run) === first) ? runs[0] : undefined
}
