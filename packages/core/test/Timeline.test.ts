import { GetAddrInfo, Trace } from "@effect-stagger/core"
import { DialError } from "@effect-stagger/node"
import { describe, expect, it } from "@effect/vitest"
import { Timeline } from "../src/index.js"
import { race, v4a, v4b } from "./support/events.js"

describe("Timeline", () => {
  it("one aligned line per event, times in ms with one decimal, and why each attempt started", () => {
    expect(Timeline.format(race, { delay: 250 })).toEqual([
      "    0.4 ms  dns  IPv4       192.0.2.1, 192.0.2.2",
      "   20.3 ms  dns  IPv6       2001:db8::1",
      "   20.5 ms  #0   start      [2001:db8::1]:443",
      "   21.0 ms  #0   failed     [2001:db8::1]:443  ECONNREFUSED",
      "   21.1 ms  #1   start      192.0.2.1:443  (#0 failed)",
      "  271.1 ms  #2   start      192.0.2.2:443  (250 ms after #1)",
      "  272.0 ms  #1   cancelled  192.0.2.1:443  (another attempt won)",
      "  272.0 ms  #2   connected  192.0.2.2:443"
    ])
  })

  it("a start that waited for its address says so; local addresses, lookup failures, TLS codes", () => {
    const local = { address: "192.0.2.100" }
    const tls = new DialError.DialError({
      remote: v4a,
      local,
      phase: "tls",
      code: "CERT_HAS_EXPIRED",
      cause: undefined
    })
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
})
