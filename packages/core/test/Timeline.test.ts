import { GetAddrInfo, Timeline, Trace } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"

/** A dialer's error as the formatter sees one: a `code`, and a `phase` for TLS. */
class DialFailed extends Data.TaggedError("DialError")<{
  readonly message: string
  readonly code: string
  readonly phase: "connect" | "tls"
}> {}

// Documentation addresses (RFC 3849, RFC 5737).
const v6 = { family: 6 as const, address: "2001:db8::1", port: 443 }
const v4a = { family: 4 as const, address: "192.0.2.1", port: 443 }
const v4b = { family: 4 as const, address: "192.0.2.2", port: 443 }
const refused = new DialFailed({
  message: "connect ECONNREFUSED [2001:db8::1]:443",
  code: "ECONNREFUSED",
  phase: "connect"
})

/** A race as the demo stages it: refused, stalled, then a winner. */
const race: ReadonlyArray<Trace.Event> = [
  Trace.Event.Resolved({ at: 0.42, host: "example.test", family: 4, addresses: [v4a, v4b] }),
  Trace.Event.Resolved({ at: 20.25, host: "example.test", family: 6, addresses: [v6] }),
  Trace.Event.AttemptStarted({ at: 20.5, index: 0, remote: v6, local: undefined }),
  Trace.Event.AttemptFailed({
    at: 21.04,
    index: 0,
    remote: v6,
    local: undefined,
    error: refused,
    code: "ECONNREFUSED"
  }),
  Trace.Event.AttemptStarted({ at: 21.1, index: 1, remote: v4a, local: undefined }),
  Trace.Event.AttemptStarted({ at: 271.1, index: 2, remote: v4b, local: undefined }),
  Trace.Event.AttemptCancelled({ at: 271.96, index: 1, remote: v4a, local: undefined, reason: "lost" }),
  Trace.Event.Connected({ at: 272.04, index: 2, remote: v4b, local: undefined })
]

const timeline = [
  "    0.4 ms  dns  IPv4       192.0.2.1, 192.0.2.2",
  "   20.3 ms  dns  IPv6       2001:db8::1",
  "   20.5 ms  #0   start      [2001:db8::1]:443",
  "   21.0 ms  #0   failed     [2001:db8::1]:443  ECONNREFUSED",
  "   21.1 ms  #1   start      192.0.2.1:443  (#0 failed)",
  "  271.1 ms  #2   start      192.0.2.2:443  (250 ms after #1)",
  "  272.0 ms  #1   cancelled  192.0.2.1:443  (another attempt won)",
  "  272.0 ms  #2   connected  192.0.2.2:443"
]

describe("Timeline", () => {
  it("one aligned line per event, times in ms with one decimal, and why each attempt started", () => {
    expect(Timeline.format(race, { delay: 250 })).toEqual(timeline)
  })

  it("plain text by default; colour only when asked, with the columns still aligned", () => {
    expect(Timeline.format(race, { delay: 250, color: false })).toEqual(timeline)
    const colored = Timeline.format(race, { delay: 250, color: true })
    expect(colored[3]).toBe("   21.0 ms  #0   failed     [2001:db8::1]:443  ECONNREFUSED".replace(
      "failed   ",
      "\u001b[31mfailed\u001b[39m   "
    ))
    expect(colored[7]).toBe("  272.0 ms  #2   \u001b[32mconnected\u001b[39m  192.0.2.2:443")
    // eslint-disable-next-line no-control-regex
    expect(colored.map((line) => line.replace(/\u001b\[\d+m/g, ""))).toEqual(timeline)
  })

  it("a start that waited for its address says so; local addresses, lookup failures, TLS codes", () => {
    const local = { address: "192.0.2.100" }
    const tls = new DialFailed({ message: "certificate has expired", code: "CERT_HAS_EXPIRED", phase: "tls" })
    const noAaaa = new GetAddrInfo.ResolveError({ host: "example.test", family: 6, message: "queryAaaa ENODATA" })
    const events = [
      Trace.Event.AttemptStarted({ at: 0, index: 0, remote: v4a, local }),
      Trace.Event.ResolveFailed({ at: 3, host: "example.test", family: 6, error: noAaaa }),
      Trace.Event.AttemptFailed({ at: 5, index: 0, remote: v4a, local, error: tls, code: "CERT_HAS_EXPIRED" }),
      Trace.Event.Resolved({ at: 1234.56, host: "example.test", family: 4, addresses: [v4b] }),
      Trace.Event.AttemptStarted({ at: 1234.6, index: 1, remote: v4b, local: { address: "192.0.2.100", port: 5000 } }),
      Trace.Event.AttemptCancelled({ at: 99999.94, index: 1, remote: v4b, local: undefined, reason: "lost" })
    ]
    expect(Timeline.format(events, { delay: null, cancelled: "timed out" })).toEqual([
      "    0.0 ms  #0   start      192.0.2.1:443 from 192.0.2.100",
      "    3.0 ms  dns  IPv6       failed: queryAaaa ENODATA",
      "    5.0 ms  #0   failed     192.0.2.1:443 from 192.0.2.100  TLS CERT_HAS_EXPIRED",
      " 1234.6 ms  dns  IPv4       192.0.2.2",
      " 1234.6 ms  #1   start      192.0.2.2:443 from 192.0.2.100:5000  (its address had just been resolved)",
      "99999.9 ms  #1   cancelled  192.0.2.2:443  (timed out)"
    ])
  })

  it("step is the fold that format runs, one event at a time", () => {
    const [state, first] = Timeline.step(Timeline.initial, race[0], { delay: 250 })
    expect(first).toBe("    0.4 ms  dns  IPv4       192.0.2.1, 192.0.2.2")
    expect(state.resolved.get("192.0.2.2")).toBe(0.42)
  })

  it("the summary names the winner, its local address, the attempts and the total time", () => {
    const winner = race[race.length - 1]
    if (!Timeline.isConnected(winner)) throw new Error("the race ends with its winner")
    expect(Timeline.summary({ winner, attempts: 3, localAddress: "192.0.2.100", localPort: 40000, ms: 272.46 }))
      .toBe("* connected to 192.0.2.2:443 from 192.0.2.100:40000 (attempt #2 of 3) in 272.5 ms")
  })

  it("a failed connect lists each attempt on one aligned line", () => {
    const lines = Timeline.attempts(race.filter((e) => e._tag !== "Connected"), "timed out")
    expect(lines).toEqual([
      "  #0  [2001:db8::1]:443  ECONNREFUSED  connect ECONNREFUSED [2001:db8::1]:443",
      "  #1  192.0.2.1:443      (timed out)",
      "  #2  192.0.2.2:443      (timed out)"
    ])
  })

  it("a TLS handshake that failed after the race: the winner's line, with the TLS code", () => {
    const winner = race[race.length - 1]
    if (!Timeline.isConnected(winner)) throw new Error("the race ends with its winner")
    const error = new DialFailed({
      message: "self-signed certificate",
      code: "DEPTH_ZERO_SELF_SIGNED_CERT",
      phase: "tls"
    })
    expect(Timeline.handshakeFailed(280.04, winner, error)).toBe(
      "  280.0 ms  #2   failed     192.0.2.2:443  TLS DEPTH_ZERO_SELF_SIGNED_CERT  (TLS handshake after the race)"
    )
  })
})
