/**
 * `http.Agent` and `https.Agent` whose new connections are Happy Eyeballs connects: the agents
 * pool, keep alive and reuse sockets as usual; only `createConnection` changes.
 *
 * What Node's own `createConnection` reads from a request's options is read here too: `family`,
 * `localAddress`, `lookup`, `timeout`, the agent's `keepAlive`, and for HTTPS the TLS options
 * (`ca`, `cert`, `rejectUnauthorized`, `servername`, `ALPNProtocols`, ...), with one session
 * kept per pool for the next handshake, as `https.Agent` does. `destroy()` and the agent's
 * `signal` also end the connects still running. A request's own `signal` never reaches an
 * agent (Node keeps it from `addRequest`): the request ends as with Node's agents, and its
 * connect at `connectTimeout` or when it connects.
 *
 * @internal
 */
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as Effect from "effect/Effect"
import type * as Runtime from "effect/Runtime"
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Stream from "node:stream"
import type * as Tls from "node:tls"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import * as edge from "./edge.js"
import * as TlsSessions from "./tlsSessions.js"
import { checkOrThrow, unbracket } from "./undiciConnector.js"

/** The request options that are TLS options: those Node's `https.Agent` keys its pools by. */
const tlsKeys = [
  "ca",
  "cert",
  "checkServerIdentity",
  "ciphers",
  "clientCertEngine",
  "crl",
  "dhparam",
  "ecdhCurve",
  "honorCipherOrder",
  "key",
  "maxVersion",
  "minVersion",
  "passphrase",
  "pfx",
  "privateKeyEngine",
  "privateKeyIdentifier",
  "rejectUnauthorized",
  "secureContext",
  "secureOptions",
  "secureProtocol",
  "servername",
  "sessionIdContext",
  "sigalgs",
  "ALPNProtocols"
] as const

/** What Node's agent hands `createConnection`: the request's options, the agent's merged in. */
type RequestOptions = Https.RequestOptions & {
  readonly secureContext?: Tls.SecureContext | undefined
  readonly ALPNProtocols?: Tls.ConnectionOptions["ALPNProtocols"]
  readonly keepAlive?: boolean | undefined
  readonly keepAliveInitialDelay?: number | undefined
  readonly noDelay?: boolean | undefined
}

const tlsOf = (options: RequestOptions): Tls.ConnectionOptions => {
  const tls: Record<string, unknown> = {}
  for (const key of tlsKeys) {
    if (options[key] !== undefined) tls[key] = options[key]
  }
  return tls
}

/** Options of one connect: the agent's, and what the request adds as `net.connect` reads it. */
const connectOptionsOf = (
  base: NodeHappyEyeballs.ConnectOptions,
  request: RequestOptions
): NodeHappyEyeballs.ConnectOptions => ({
  ...base,
  ...(request.family === 4 || request.family === 6 ? { family: request.family } : undefined),
  ...(request.localAddress ? { localAddrs: [{ address: request.localAddress }] } : undefined),
  ...(base.keepAlive === undefined && request.keepAlive === true ?
    { keepAlive: { initialDelay: request.keepAliveInitialDelay ?? 0 } } :
    undefined),
  ...(base.noDelay === undefined && typeof request.noDelay === "boolean" ? { noDelay: request.noDelay } : undefined)
})

type Callback = (error: Error | null, stream: Stream.Duplex) => void

interface Connecting {
  readonly runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>
  readonly base: NodeHappyEyeballs.ConnectOptions
  readonly signals: ReadonlyArray<AbortSignal | undefined>
  readonly closed: AbortController
  readonly running: edge.Running
}

const createConnection = (
  self: Connecting,
  request: RequestOptions,
  callback: Callback,
  tls:
    | { readonly options: Tls.ConnectionOptions; readonly sessions: TlsSessions.SessionCache; readonly key: string }
    | undefined
): void => {
  const host = unbracket(request.hostname ?? request.host ?? "localhost")
  const port = request.port ?? (tls === undefined ? 80 : 443)
  const runtime = request.lookup === undefined ? self.runtime : edge.runtimeOf(request.lookup)
  const secure = tls === undefined ? undefined : { ...tls.options, session: tls.sessions.get(tls.key) }
  edge.run(
    runtime,
    host,
    port,
    { ...connectOptionsOf(self.base, request), tls: secure },
    [...self.signals, self.closed.signal],
    (error, dialed) => {
      if (dialed === undefined) {
        // Node's own `oncreate` takes the error alone when the connect failed.
        const fail = callback as (error: Error) => void
        return fail(error instanceof Error ? error : new Error(String(error)))
      }
      if (typeof request.timeout === "number") dialed.socket.setTimeout(request.timeout)
      callback(null, dialed.socket)
    },
    {
      running: self.running,
      onTlsSocket: tls === undefined ? undefined : (socket) => tls.sessions.track(tls.key, socket)
    }
  )
}

/** The agent options of ours: Node's, with HTTP keep-alive on unless asked otherwise. */
const agentOptionsOf = (options: Https.AgentOptions | undefined): Https.AgentOptions => ({
  keepAlive: true,
  ...options
})

class HttpAgent extends Http.Agent implements Connecting {
  readonly closed = new AbortController()
  readonly running: edge.Running = new Set()
  constructor(
    readonly runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>,
    readonly base: NodeHappyEyeballs.ConnectOptions,
    readonly signals: ReadonlyArray<AbortSignal | undefined>,
    agentOptions: Http.AgentOptions | undefined
  ) {
    super(agentOptionsOf(agentOptions))
  }
  override createConnection(
    options: Http.ClientRequestArgs,
    callback?: Callback
  ): undefined {
    createConnection(this, options, callback ?? (() => {}), undefined)
    return undefined
  }
  override destroy(): void {
    this.closed.abort(new Error("agent destroyed"))
    super.destroy()
  }
}

class HttpsAgent extends Https.Agent implements Connecting {
  readonly closed = new AbortController()
  readonly running: edge.Running = new Set()
  readonly sessions: TlsSessions.SessionCache
  constructor(
    readonly runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>,
    readonly base: NodeHappyEyeballs.ConnectOptions,
    readonly signals: ReadonlyArray<AbortSignal | undefined>,
    agentOptions: Https.AgentOptions | undefined,
    shared: Tls.ConnectionOptions
  ) {
    // The shared TLS options are the agent's: Node keys its pools by them and merges them
    // into every request's options.
    super({ ...agentOptionsOf(agentOptions), ...shared })
    this.sessions = TlsSessions.make(agentOptions?.maxCachedSessions ?? 100)
  }
  override createConnection(
    options: Https.RequestOptions,
    callback?: Callback
  ): undefined {
    const key = this.getName(options)
    createConnection(this, options, callback ?? (() => {}), { options: tlsOf(options), sessions: this.sessions, key })
    return undefined
  }
  override destroy(): void {
    this.closed.abort(new Error("agent destroyed"))
    super.destroy()
  }
}

/** Destroys an agent of ours and waits until its connects still running have closed every attempt. */
export const close = (agent: Http.Agent): Effect.Effect<void> =>
  Effect.suspend(() => {
    agent.destroy()
    return agent instanceof HttpAgent || agent instanceof HttpsAgent ? edge.interruptAll(agent.running) : Effect.void
  })

/** An `http.Agent` whose connections are Happy Eyeballs connects. */
export const makeHttp = (
  runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>,
  options: NodeHappyEyeballs.ConnectOptions,
  signals: ReadonlyArray<AbortSignal | undefined>,
  agentOptions?: Http.AgentOptions
): Http.Agent => {
  const { tls: _, ...base } = options
  checkOrThrow(base)
  return new HttpAgent(runtime, base, signals, agentOptions)
}

/** An `https.Agent` whose connections are Happy Eyeballs connects, with TLS in or after the race. */
export const makeHttps = (
  runtime: Runtime.Runtime<GetAddrInfo.GetAddrInfo>,
  options: NodeHappyEyeballs.ConnectOptions,
  signals: ReadonlyArray<AbortSignal | undefined>,
  agentOptions?: Https.AgentOptions
): Https.Agent => {
  const { tls: _, ...base } = options
  const shared = checkOrThrow(options)
  return new HttpsAgent(runtime, base, signals, agentOptions, shared)
}
