/**
 * The core's in-memory rehearsal (`HappyEyeballs.warmUp`) with this package's own dial, plus
 * what Node itself does for every connect that can run without I/O.
 *
 * The rehearsal dials with the connect functions' own code (`dial.tcpWith`, and
 * `dial.directWith` for an IP literal, which does not take `connectWith`), on a `net.Socket`
 * whose `connect` is replaced: it opens no handle and, a turn later, emits what a real socket
 * would (`connect`, or an `ECONNREFUSED` error; nothing for a silent address). Making,
 * listening to and destroying the socket are Node's own. The literal's runs with the tracer
 * off, so that no span of it reaches the caller's tracer, yet on the caller's path: the direct
 * connect makes a span only under a tracer of the caller's.
 *
 * The resolver layers run one round (`once`) when they are built, the first time in a process:
 * compiled code stays compiled, so a later build, or one after the caller's own `warmUp`, skips
 * it. Builds at the same time take turns, so that only the first rehearses. A rehearsal that
 * was interrupted or failed does not count.
 *
 * `net.isIP` is where Node checks every host it looks up and every address it connects to.
 * Its IPv6 test is a large regular expression, which V8 compiles to bytecode when it first
 * runs and to machine code when it next runs: 4-6 ms and 1-1.5 ms on a 2-core VM, which the
 * first connect of a process would otherwise pay on top of its own work.
 *
 * @internal
 */
import type * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as HappyEyeballs from "@effect-stagger/core/HappyEyeballs"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import { directWith, tcpWith } from "./dial.js"

/** The error Node reports for a refused connect. */
const refusal = (remote: AddrInfo.AddrInfo) =>
  Object.assign(new Error(`connect ECONNREFUSED ${remote.address}:${remote.port}`), {
    errno: -111,
    code: "ECONNREFUSED",
    syscall: "connect",
    address: remote.address,
    port: remote.port
  })

/** A `net.Socket` that connects in memory, with the outcome asked for. */
const socketIn = (remote: AddrInfo.AddrInfo, outcome: HappyEyeballs.Rehearsal) => (): Net.Socket => {
  const socket = new Net.Socket()
  const connect = () => {
    if (outcome !== "silent") {
      setImmediate(() => {
        if (socket.destroyed) return
        if (outcome === "connected") socket.emit("connect")
        else socket.emit("error", refusal(remote))
      })
    }
    return socket
  }
  socket.connect = connect as Net.Socket["connect"]
  return socket
}

const dial = (remote: AddrInfo.AddrInfo, outcome: HappyEyeballs.Rehearsal) =>
  tcpWith(socketIn(remote, outcome))(remote, undefined)

const hosts = ["2001:db8::1", "192.0.2.1", "warm-up.invalid"]

/** Node's host checks, twice: once to compile, once to compile again to machine code. */
const hostChecks = Effect.sync(() => {
  for (let i = 0; i < 2; i++) for (const host of hosts) Net.isIP(host)
})

/** A connect to an IP literal, connected and refused. */
const literals = Effect.forEach(["connected", "refused"] as const, (outcome) => {
  const remote: AddrInfo.AddrInfo = { family: 4, address: "192.0.2.1", port: 443 }
  return Effect.ignore(Effect.scoped(directWith(socketIn(remote, outcome))(remote)))
}, { discard: true })

/** Whether a rehearsal of at least one round has run to its end in this process. */
let rehearsed = false

export const warmUp = (
  options?: NodeHappyEyeballs.WarmUpOptions
): Effect.Effect<void, Cause.IllegalArgumentException> =>
  Effect.zipRight(
    Effect.zipRight(hostChecks, HappyEyeballs.warmUp({ rounds: options?.rounds, dial })),
    // The core checked `rounds`; 1 is its default.
    Effect.suspend(() => {
      const rounds = options?.rounds ?? 1
      return rounds === 0 ? Effect.void : Effect.andThen(
        Effect.withTracerEnabled(Effect.repeatN(literals, rounds - 1), false),
        Effect.sync(() => {
          rehearsed = true
        })
      )
    })
  )

/** One resolver layer's rehearsal at a time: a build waits for one in progress, then skips. */
const turn = Effect.unsafeMakeSemaphore(1)

/** The resolver layers' rehearsal: one round, unless one has already run in this process. */
export const once: Effect.Effect<void> = turn.withPermits(1)(
  Effect.suspend(() => rehearsed ? Effect.void : Effect.orDie(warmUp()))
)

export const layerWarmUp = (
  options?: NodeHappyEyeballs.WarmUpOptions
): Layer.Layer<never, Cause.IllegalArgumentException> => Layer.effectDiscard(warmUp(options))
