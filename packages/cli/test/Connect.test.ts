import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fixtures from "../src/internal/fixtures.js"
import { stagger } from "./support/run.js"
import { listener, refusedPort, silentDnsServer } from "./support/servers.js"

const timeline = /^ +\d+\.\d ms {2}/

describe("stagger connect", () => {
  it.scopedLive("to a loopback listener: the timeline, the summary, exit 0", () =>
    Effect.gen(function*() {
      const port = yield* listener("127.0.0.1")
      const { code, stderr, stdout } = yield* stagger("connect", "127.0.0.1", String(port))
      expect(code).toBe(0)
      expect(stderr).toBe("")
      const lines = stdout.split("\n")
      expect(lines[0]).toBe(
        `* connecting to 127.0.0.1:${port}, both families, delay 250 ms, resolution delay 50 ms, system resolver`
      )
      expect(lines.slice(1, 3).every((l) => timeline.test(l))).toBe(true)
      expect(lines[1]).toMatch(new RegExp(`#0   start      127\\.0\\.0\\.1:${port}$`))
      expect(lines[2]).toMatch(new RegExp(`#0   connected  127\\.0\\.0\\.1:${port}$`))
      expect(lines[3]).toMatch(
        new RegExp(
          `^\\* connected to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:\\d+ \\(attempt #0 of 1\\) in \\d+\\.\\d ms$`
        )
      )
      expect(lines).toHaveLength(4)
    }))

  it.scopedLive("a bracketed IPv6 literal is taken without its brackets", () =>
    Effect.gen(function*() {
      const port = yield* listener("::1")
      const { code, stdout } = yield* stagger("connect", "[::1]", String(port))
      expect(code).toBe(0)
      expect(stdout).toMatch(new RegExp(`#0   connected  \\[::1\\]:${port}$`, "m"))
    }))

  it.scopedLive("--json: one object with the events, the winner and the time", () =>
    Effect.gen(function*() {
      const port = yield* listener("127.0.0.1")
      const { code, stdout } = yield* stagger("connect", "--json", "127.0.0.1", String(port))
      expect(code).toBe(0)
      const report = JSON.parse(stdout)
      expect(report).toMatchObject({
        host: "127.0.0.1",
        port,
        connected: true,
        winner: { index: 0, remote: { family: 4, address: "127.0.0.1", port }, localAddress: "127.0.0.1" },
        error: null
      })
      expect(report.events.map((e: { _tag: string }) => e._tag)).toEqual(["AttemptStarted", "Connected"])
      expect(typeof report.ms).toBe("number")
    }))

  it.effect("to a refused port: the failure and one line per attempt, exit 1", () =>
    Effect.gen(function*() {
      const port = yield* refusedPort("127.0.0.1")
      const { code, stderr, stdout } = yield* stagger(
        "connect",
        "--local",
        "127.0.0.1",
        "--local",
        "127.0.0.2",
        "127.0.0.1",
        String(port)
      )
      expect(code).toBe(1)
      expect(stdout).toMatch(new RegExp(`#0   failed     127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1  ECONNREFUSED`))
      expect(stdout).toMatch(
        new RegExp(`#1   start      127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.2  \\(#0 failed\\)`)
      )
      expect(stderr.split("\n")).toEqual([
        `stagger: could not connect to 127.0.0.1:${port}: all 2 attempts failed`,
        `  #0  127.0.0.1:${port} from 127.0.0.1  ECONNREFUSED  connect ECONNREFUSED 127.0.0.1:${port} (from 127.0.0.1)`,
        `  #1  127.0.0.1:${port} from 127.0.0.2  ECONNREFUSED  connect ECONNREFUSED 127.0.0.1:${port} (from 127.0.0.2)`
      ])
    }))

  it.effect("--json on a refused port: the error in the object, exit 1", () =>
    Effect.gen(function*() {
      const port = yield* refusedPort("127.0.0.1")
      const { code, stderr, stdout } = yield* stagger("connect", "--json", "127.0.0.1", String(port))
      expect(code).toBe(1)
      expect(stderr).toBe("")
      expect(JSON.parse(stdout)).toMatchObject({
        connected: false,
        winner: null,
        error: { _tag: "DialError", code: "ECONNREFUSED" }
      })
    }))

  it.scopedLive("--timeout: a hung attempt is cancelled when the time is up, exit 1", () =>
    Effect.gen(function*() {
      // A listener that never accepts, its queue full: the connect hangs (as in the demo).
      const port = yield* refusedPort("127.0.0.2")
      yield* fixtures.stalledListener("127.0.0.2", port)
      yield* fixtures.fillQueue("127.0.0.2", port)
      const { code, stderr, stdout } = yield* stagger("connect", "--timeout", "200", "127.0.0.2", String(port))
      expect(code).toBe(1)
      expect(stdout).toMatch(new RegExp(`#0   cancelled  127\\.0\\.0\\.2:${port}  \\(timed out\\)$`, "m"))
      expect(stderr.split("\n")).toEqual([
        `stagger: could not connect to 127.0.0.2:${port}: no connection within 200 ms`,
        `  #0  127.0.0.2:${port}  (timed out)`
      ])
    }).pipe(Effect.orDie), { timeout: 30_000 })

  it.scopedLive(
    "--dns-timeout and --dns-tries: a DNS server that never answers fails fast",
    () =>
      Effect.gen(function*() {
        const port = yield* silentDnsServer
        const server = `127.0.0.1:${port}`
        // Without them, c-ares waits about 3 s for a try and tries 4 times: --timeout would end it first.
        const { code, stderr, stdout } = yield* stagger(
          "connect",
          ...["--dns-server", server, "--dns-timeout", "200", "--dns-tries", "1", "--timeout", "2000"],
          "example.test",
          "80"
        )
        expect(code).toBe(1)
        expect(stdout.split("\n")[0]).toBe(
          "* connecting to example.test:80, both families, delay 250 ms, resolution delay 50 ms, dns resolver"
        )
        expect(stderr.split("\n")[0]).toMatch(/^stagger: could not resolve example\.test: .*ETIMEOUT/)
      }),
    { timeout: 30_000 }
  )

  it.effect("--timeout has a default, which --help states", () =>
    Effect.gen(function*() {
      const { stdout } = yield* stagger("connect", "--help")
      expect(stdout).toMatch(/^ {6}--timeout MS\|none {7}.*\(default 30000\)$/m)
      expect(stdout).toMatch(/^ {6}--dns-timeout MS {8}\S/m)
      expect(stdout).toMatch(/^ {6}--dns-tries N {11}.*\(default 4\)$/m)
    }))
})
