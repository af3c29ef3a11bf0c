/**
 * http-client.ts: one HTTP GET, timed, in the lab's client namespace, by one of four clients.
 *
 * Usage (inside the client namespace; bench/http.ts runs it):
 *   node --import tsx --conditions=@effect-stagger/source packages/node/bench/http-client.ts MODE HOST PORT [--local ADDR]...
 * MODE:
 * - `ours`: `HttpClient.get` over `NodeHttpClient.layerUndici` with `NodeGetAddrInfo.layer`
 *   (both `--local` addresses, one per family);
 * - `effect`: `HttpClient.get` over @effect/platform-node's own `NodeHttpClient.layerUndici`,
 *   whose connector is undici's: what Effect's HttpClient costs without our connect;
 * - `undici`: undici's `request` over `new Agent()`, its own connector: `net.connect` with
 *   Node's `autoSelectFamily` (the IPv4 `--local` as `localAddress`, its only option);
 * - `fetch`: Node's global `fetch` (undici inside, with its default dispatcher; it takes no
 *   local address).
 *
 * Each warms up untimed through the same client, as the connect clients do: a GET to a name
 * the lab DNS does not know, one to localhost port 9, where nothing listens, and one to an HTTP
 * server of its own on 127.0.0.1 (so that the first response parsed is not the timed one). Then it times
 * one GET of `http://HOST:PORT/` from the call to the whole body (the echo server answers with
 * the address that accepted the connection), prints one JSON line and exits:
 *   {"ok":true,"ms":2.1,"remote":"2001:db8:1::10"}  or  {"ok":false,"ms":...,"error":"..."}
 * A hard cap of 5 s ends it with ok:false.
 */
import * as NodeGetAddrInfo from "@effect-stagger/node/NodeGetAddrInfo"
import * as NodeHttpClient from "@effect-stagger/node/NodeHttpClient"
import * as PlatformNodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Http from "node:http"
import { performance } from "node:perf_hooks"
import * as Url from "node:url"
import * as Undici from "undici"

export type Mode = "ours" | "effect" | "undici" | "fetch"

export const modes: ReadonlyArray<Mode> = ["ours", "effect", "undici", "fetch"]

const capMs = 5_000

/** A GET of `url` that resolves with the body, by each client. */
const getterOf = (mode: Mode, locals: ReadonlyArray<string>): (url: string) => Promise<string> => {
  switch (mode) {
    case "ours": {
      const runtime = ManagedRuntime.make(
        NodeHttpClient.layerUndici(locals.length === 0 ? {} : { localAddrs: locals.map((address) => ({ address })) })
          .pipe(
            Layer.provide(NodeGetAddrInfo.layer)
          )
      )
      return (url) => runtime.runPromise(Effect.flatMap(HttpClient.get(url), (response) => response.text))
    }
    case "effect": {
      const runtime = ManagedRuntime.make(PlatformNodeHttpClient.layerUndici)
      return (url) => runtime.runPromise(Effect.flatMap(HttpClient.get(url), (response) => response.text))
    }
    case "undici": {
      const localAddress = locals.find((address) => !address.includes(":"))
      const dispatcher = new Undici.Agent(localAddress === undefined ? {} : { localAddress })
      return (url) => Undici.request(url, { dispatcher }).then((response) => response.body.text())
    }
    case "fetch":
      return (url) => fetch(url).then((response) => response.text())
  }
}

const main = async () => {
  process.setSourceMapsEnabled(false)
  const [mode, host, port, ...rest] = process.argv.slice(2)
  const locals = rest.flatMap((arg, i) => (rest[i - 1] === "--local" ? [arg] : []))
  if (!modes.includes(mode as Mode) || host === undefined || port === undefined) {
    process.stderr.write("usage: http-client.ts ours|effect|undici|fetch HOST PORT [--local ADDR]...\n")
    process.exit(64)
  }
  const get = getterOf(mode as Mode, locals)
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ ok: false, ms: capMs, error: `hard timeout ${capMs} ms` }) + "\n")
    process.exit(2)
  }, capMs).unref()
  // A local server in this process, for a warm-up GET that gets an answer (the parser, the pool).
  const server = Http.createServer((_, response) => response.end("warm"))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const local = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 9}/`
  for (const warmUp of [`http://nowhere.lab:${port}/`, "http://localhost:9/", local]) {
    await get(warmUp).catch(() => undefined)
  }
  server.closeAllConnections()
  server.close()
  const start = performance.now()
  const result = await get(`http://${host}:${port}/`).then(
    (body) => ({ ok: true, ms: performance.now() - start, remote: body }),
    (error: unknown) => ({ ok: false, ms: performance.now() - start, error: String(error) })
  )
  const rounded = { ...result, ms: Math.round(result.ms * 10) / 10 }
  process.stdout.write(JSON.stringify(rounded) + "\n", () => process.exit(result.ok ? 0 : 1))
}

// Run only as a program: bench/http.ts imports the modes.
if (process.argv[1] !== undefined && Url.pathToFileURL(process.argv[1]).href === import.meta.url) main()
