/** A fixed race, on documentation addresses (RFC 3849, RFC 5737). */
import { Trace } from "@effect-stagger/core"
import { DialError } from "@effect-stagger/node"

export const v6 = { family: 6 as const, address: "2001:db8::1", port: 443 }
export const v4a = { family: 4 as const, address: "192.0.2.1", port: 443 }
export const v4b = { family: 4 as const, address: "192.0.2.2", port: 443 }
const refused = new DialError.DialError({
  remote: v6,
  local: undefined,
  phase: "connect",
  code: "ECONNREFUSED",
  cause: undefined
})

/** The demo's race on documentation addresses: refused, stalled, then a winner. */
export const race: ReadonlyArray<Trace.Event> = [
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
