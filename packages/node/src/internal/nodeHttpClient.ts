/**
 * Effect's `HttpClient` over the connector and agents: `@effect/platform-node`'s clients, given
 * an undici Agent or `node:http` agents of ours, made and closed with the layer. The connects
 * run in the runtime the layer is built in, with its `GetAddrInfo`, `Defaults` and tracer.
 *
 * @internal
 */
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as PlatformHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Undici from "undici"
import type * as NodeHappyEyeballs from "../NodeHappyEyeballs.js"
import type * as NodeHttpClient from "../NodeHttpClient.js"
import * as edge from "./edge.js"
import * as httpAgents from "./httpAgents.js"
import * as undiciConnector from "./undiciConnector.js"

/**
 * The options are checked when the layer is built; a bad one is a defect carrying
 * `IllegalArgumentException`, as `NodeGetAddrInfo.layerDns` has it.
 */
const made = <A>(make: () => A): Effect.Effect<A> => Effect.try(make).pipe(Effect.orDie)

/** @internal */
export const makeDispatcher = (
  options: NodeHappyEyeballs.ConnectOptions | undefined,
  agentOptions?: NodeHttpClient.AgentOptions
): Effect.Effect<Undici.Dispatcher, never, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.flatMap(Effect.runtime<GetAddrInfo.GetAddrInfo>(), (runtime) => {
    const closed = new AbortController()
    const running: edge.Running = new Set()
    return Effect.acquireRelease(
      made(() =>
        new Undici.Agent({
          ...agentOptions,
          connect: undiciConnector.make(runtime, options ?? {}, [closed.signal], running)
        })
      ),
      (agent) =>
        Effect.suspend(() => {
          closed.abort(new Error("HttpClient layer closed"))
          return Effect.zipRight(edge.interruptAll(running), Effect.promise(() => agent.destroy()))
        })
    )
  })

/** @internal */
export const layerUndici = (
  options?: NodeHappyEyeballs.ConnectOptions,
  agentOptions?: NodeHttpClient.AgentOptions
): Layer.Layer<HttpClient.HttpClient, never, GetAddrInfo.GetAddrInfo> =>
  Layer.provide(
    PlatformHttpClient.layerUndiciWithoutDispatcher,
    Layer.scoped(PlatformHttpClient.Dispatcher, makeDispatcher(options, agentOptions))
  )

/** @internal */
export const makeAgent = (
  options: NodeHappyEyeballs.ConnectOptions | undefined
): Effect.Effect<PlatformHttpClient.HttpAgent, never, GetAddrInfo.GetAddrInfo | Scope.Scope> =>
  Effect.flatMap(Effect.runtime<GetAddrInfo.GetAddrInfo>(), (runtime) =>
    Effect.acquireRelease(
      made(() => ({
        [PlatformHttpClient.HttpAgentTypeId]: PlatformHttpClient.HttpAgentTypeId,
        http: httpAgents.makeHttp(runtime, options ?? {}, []),
        https: httpAgents.makeHttps(runtime, options ?? {}, [])
      })),
      ({ http, https }) => Effect.zipRight(httpAgents.close(http), httpAgents.close(https))
    ))

/** @internal */
export const layer = (
  options?: NodeHappyEyeballs.ConnectOptions
): Layer.Layer<HttpClient.HttpClient, never, GetAddrInfo.GetAddrInfo> =>
  Layer.provide(PlatformHttpClient.layerWithoutAgent, Layer.scoped(PlatformHttpClient.HttpAgent, makeAgent(options)))
