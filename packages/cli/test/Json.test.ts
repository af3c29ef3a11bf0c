import { Timeline, Trace } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import { Json } from "../src/index.js"
import { race, v6 } from "./support/events.js"

describe("Json", () => {
  it("one object: host, port, connected, winner, ms, events with Trace's field names, error", () => {
    const winner = race.find(Timeline.isConnected)
    const text = Json.stringify({
      host: "example.test",
      port: 443,
      events: race.slice(2, 4),
      winner,
      localAddress: "192.0.2.100",
      localPort: 40000,
      ms: 272.4567,
      error: undefined
    })
    expect(JSON.parse(text)).toEqual({
      host: "example.test",
      port: 443,
      connected: true,
      winner: {
        index: 2,
        remote: { family: 4, address: "192.0.2.2", port: 443 },
        local: null,
        localAddress: "192.0.2.100",
        localPort: 40000
      },
      ms: 272.457,
      events: [
        {
          _tag: "AttemptStarted",
          at: 20.5,
          index: 0,
          remote: { family: 6, address: "2001:db8::1", port: 443 },
          local: null
        },
        {
          _tag: "AttemptFailed",
          at: 21.04,
          index: 0,
          remote: { family: 6, address: "2001:db8::1", port: 443 },
          local: null,
          code: "ECONNREFUSED",
          error: { _tag: "DialError", message: "connect ECONNREFUSED [2001:db8::1]:443", code: "ECONNREFUSED" }
        }
      ],
      error: null
    })
  })

  it("a cancelled attempt says why: lost to another, or the connect interrupted", () => {
    const lost = race.filter((event) => event._tag === "AttemptCancelled")
    const interrupted = Trace.Event.AttemptCancelled({
      at: 5000,
      index: 0,
      remote: v6,
      local: { address: "2001:db8::100" },
      reason: "interrupted"
    })
    expect(lost).toHaveLength(1)
    expect([...lost, interrupted].map(Json.event)).toEqual([{
      _tag: "AttemptCancelled",
      at: 271.96,
      index: 1,
      remote: { family: 4, address: "192.0.2.1", port: 443 },
      local: null,
      reason: "lost"
    }, {
      _tag: "AttemptCancelled",
      at: 5000,
      index: 0,
      remote: { family: 6, address: "2001:db8::1", port: 443 },
      local: { address: "2001:db8::100", port: null },
      reason: "interrupted"
    }])
  })

  it("a failed connect has no winner and carries its error", () => {
    const report = Json.report({
      host: "example.test",
      port: 443,
      events: race.slice(0, 1),
      winner: undefined,
      ms: 3,
      error: new Error("boom")
    })
    expect(report).toMatchObject({
      connected: false,
      winner: null,
      error: { _tag: null, message: "boom", code: null },
      events: [{
        _tag: "Resolved",
        at: 0.42,
        family: 4,
        addresses: [{ family: 4, address: "192.0.2.1", port: 443 }, {
          family: 4,
          address: "192.0.2.2",
          port: 443
        }]
      }]
    })
  })
})
