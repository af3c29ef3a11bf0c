/**
 * A connect run for code without Effect: the Promise API, undici's connector and the
 * `node:http` agents all come through here. This is the edge, where an Effect is run.
 *
 * The connect runs in a fiber of its own, its winner kept in a `Scope` made for it. What the
 * caller gets is the socket alone, and it is the caller's: the scope is closed when the socket
 * closes (the finalizers then find it destroyed already), never to destroy it behind the
 * caller's back. A failure closes the scope, and so every attempt, before it is reported, with
 * the library's own error (not a `FiberFailure`). An abort interrupts the fiber, which closes
 * every attempt, and reports an `AbortError` as Node's own APIs do.
 *
 * @internal
 */
import type * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import type * as Net from "node:net"
import type * as Tls from "node:tls"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import type { Dialed } from "./dial.js"
import * as lookup from "./lookup.js"
import * as nodeHappyEyeballs from "./nodeHappyEyeballs.js"
import { codeOf, resolveMessage } from "./systemError.js"

/**
 * The error of an aborted connect, as Node's own APIs make it: `name` `"AbortError"`, `code`
 * `"ABORT_ERR"`, and the signal's reason as `cause`.
 */
export class AbortError extends Error {
  override readonly name = "AbortError"
  readonly code = "ABORT_ERR"
  constructor(reason: unknown) {
    super("The operation was aborted", { cause: reason })
  }
}

/**
 * A `GetAddrInfo` over a `dns.lookup`-compatible function, called as `net.connect` calls it
 * with `autoSelectFamily`: `all: true`, and the family asked for. A function that answers with
 * one address (`(error, address, family)`) is read too.
 */
export const fromLookup = (lookupFunction: Net.LookupFunction): GetAddrInfo.GetAddrInfo["Type"] => ({
  lookup: (host, port, { family }) =>
    Effect.async<ReadonlyArray<AddrInfo.AddrInfo>, GetAddrInfo.ResolveError>((resume) => {
      const fail = (cause: unknown) =>
        resume(Effect.fail(
          new GetAddrInfo.ResolveError({
            host,
            family,
            code: codeOf(cause),
            message: resolveMessage("getaddrinfo", host, cause),
            cause
          })
        ))
      try {
        lookupFunction(host, { all: true, family, order: "verbatim" }, (cause, answer, answerFamily) => {
          if (cause) return fail(cause)
          const addresses = typeof answer === "string" ? [{ address: answer, family: answerFamily ?? 0 }] : answer
          resume(Effect.succeed(lookup.answered(addresses, family, port)))
        })
      } catch (cause) {
        fail(cause)
      }
    })
})

const systemRuntime = Runtime.provideService(Runtime.defaultRuntime, GetAddrInfo.GetAddrInfo, lookup.system)

/** The runtime of a connect without Effect: the system resolver, or the `lookup` given. */
export const runtimeOf = (lookupFunction: Net.LookupFunction | undefined): Runtime.Runtime<GetAddrInfo.GetAddrInfo> =>
  lookupFunction === undefined ?
    systemRuntime :
    Runtime.provideService(Runtime.defaultRuntime, GetAddrInfo.GetAddrInfo, fromLookup(lookupFunction))

/** The library's own error out of a failed connect's Cause, or the abort that ended it. */
const errorOf = (cause: Cause.Cause<unknown>, abortedBy: AbortSignal | undefined): unknown => {
  if (abortedBy !== undefined) return new AbortError(abortedBy.reason)
  const failure = Cause.failureOption(cause)
  // An error failed inside a span is handed on wrapped, carrying the span; unwrap it.
  return failure._tag === "Some" ? Cause.originalError(failure.value) : Cause.squash(cause)
}

/** Hooks of a connect at the edge. */
export interface Hooks {
  /** Called with each TLS socket as soon as it is made, before its handshake. */
  readonly onTlsSocket?: ((socket: Tls.TLSSocket) => void) | undefined
  /** Holds the connect's fiber while it runs, for its owner to await on close (`interruptAll`). */
  readonly running?: Running | undefined
}

/** The connects of a connector or agent that are still running. */
export type Running = Set<Fiber.RuntimeFiber<unknown, unknown>>

/** Interrupts every connect still running and waits until each has closed its attempts. */
export const interruptAll = (running: Running): Effect.Effect<void> =>
  Effect.suspend(() => Fiber.interruptAll([...running]))

/**
 * The span of the Effect fiber that is calling, if any. Effect's `HttpClient` calls undici's
 * dispatcher and `http.request` in the request's fiber, and they call the connector or the
 * agent's `createConnection` at once: the connect is then a child of the request's span, as
 * it would be had the request connected itself.
 */
const callerSpan = (): Option.Option<Tracer.AnySpan> =>
  Option.flatMap(Fiber.getCurrentFiber(), (fiber) => Option.fromNullable(fiber.currentSpan))

/**
 * Connects and calls `done` once, with the winner or the error. `signals`: any of them aborting
 * ends the connect (an already aborted one before anything starts). The connect's spans are
 * children of the calling fiber's span, if an Effect fiber is calling.
 */
export const run = (
  runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>,
  host: string,
  port: number | string,
  options: NodeHappyEyeballs.ConnectOptions,
  signals: ReadonlyArray<AbortSignal | undefined>,
  done: (error: unknown, dialed: Dialed | undefined) => void,
  hooks?: Hooks
): void => {
  for (const signal of signals) {
    if (signal?.aborted) return done(new AbortError(signal.reason), undefined)
  }
  const scope = Effect.runSync(Scope.make())
  const connect = Scope.extend(nodeHappyEyeballs.connect(host, port, options, hooks?.onTlsSocket), scope)
  const fiber = Runtime.runFork(runtime)(
    Option.match(callerSpan(), { onNone: () => connect, onSome: (span) => Effect.withParentSpan(connect, span) })
  )
  const running = hooks?.running
  running?.add(fiber)
  let abortedBy: AbortSignal | undefined
  const onAbort = (event: Event) => {
    if (abortedBy === undefined && event.target instanceof AbortSignal) abortedBy = event.target
    fiber.unsafeInterruptAsFork(FiberId.none)
  }
  for (const signal of signals) signal?.addEventListener("abort", onAbort, { once: true })
  fiber.addObserver((exit) => {
    running?.delete(fiber)
    for (const signal of signals) signal?.removeEventListener("abort", onAbort)
    if (Exit.isSuccess(exit) && abortedBy === undefined) {
      const { socket } = exit.value
      const release = () => Effect.runFork(Scope.close(scope, Exit.void))
      if (socket.destroyed) release()
      else socket.once("close", release)
      return done(null, exit.value)
    }
    // A connect that won as the abort came is closed too: the caller asked for no socket.
    const cause = Exit.isFailure(exit) ? exit.cause : Cause.empty
    Effect.runFork(Scope.close(scope, Exit.void)).addObserver(() => done(errorOf(cause, abortedBy), undefined))
  })
}
