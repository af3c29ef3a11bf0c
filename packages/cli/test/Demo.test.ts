import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "./support/process.js"
import { stagger } from "./support/run.js"

describe("stagger demo", () => {
  it.live("races a refused, a stalled and a working address, and tells the story", () =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* stagger("demo")
      expect(stderr).toBe("")
      expect(code).toBe(0)
      const port = /127\.0\.0\.3:(\d+) +an echo server/.exec(stdout)?.[1]
      expect(port).toBeDefined()
      expect(stdout).toContain("Only the resolver is scripted, as a GetAddrInfo layer")
      const events = stdout.split("\n").filter((line) => / ms {2}(dns|#\d) /.test(line)).map((line) =>
        line.replace(/^ *\d+\.\d ms {2}/, "")
      )
      expect(events).toEqual([
        "dns  IPv4       127.0.0.2, 127.0.0.3",
        "dns  IPv6       ::1",
        `#0   start      [::1]:${port}`,
        // ECONNREFUSED where ::1 exists; a machine without IPv6 fails as fast with another code.
        expect.stringMatching(new RegExp(`^#0   failed     \\[::1\\]:${port}  E[A-Z]+$`)),
        `#1   start      127.0.0.2:${port}  (#0 failed)`,
        `#2   start      127.0.0.3:${port}  (250 ms after #1)`,
        `#2   connected  127.0.0.3:${port}`,
        `#1   cancelled  127.0.0.2:${port}  (another attempt won)`
      ])
      expect(stdout).toMatch(new RegExp(`^\\* connected to 127\\.0\\.0\\.3:${port} from .* \\(attempt #2 of 3\\)`, "m"))
      expect(stdout).toContain(`* sent "hello", the echo server answered "hello"`)
      expect(stdout).toContain("What happened: IPv4 answered first but waited for IPv6")
    }), { timeout: 30_000 })

  it.live(
    "piped into a reader that closes early (`stagger demo | head -2`): a quiet exit 0",
    () =>
      Effect.gen(function*() {
        const { code, signal, stderr, stdout } = yield* spawn(["demo"], { closeAfter: 2 })
        expect(stdout).toContain("stagger demo: a Happy Eyeballs (RFC 8305) race on loopback")
        expect(stderr).toBe("")
        expect({ code, signal }).toEqual({ code: 0, signal: null })
      }),
    { timeout: 60_000 }
  )
})
