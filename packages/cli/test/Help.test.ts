import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "./support/process.js"
import { stagger } from "./support/run.js"

/** The options `connect` declares, as a user types them. */
const connectOptions = [
  "--delay",
  "--resolution-delay",
  "--family",
  "--ipv4",
  "--ipv6",
  "--first-family-count",
  "--local",
  "--resolver",
  "--dns-server",
  "--tls",
  "--servername",
  "--insecure",
  "--handshake-in-attempt",
  "--timeout",
  "--json",
  "--help",
  "--version"
]

const expectPlainScreen = (text: string) => {
  const lines = text.split("\n")
  expect(lines.filter((line) => line.length > 80)).toEqual([])
  expect(lines.length).toBeLessThanOrEqual(40)
  expect(text).not.toContain("\u001b[")
  expect(text).not.toContain("A user-defined piece of text")
  expect(text).not.toContain("This setting is optional")
  expect(text).not.toMatch(/--wizard|--completions|--log-level/)
}

describe("stagger --help", () => {
  it.effect.each([
    [["--help"], "usage: stagger <command> [options]"],
    [["-h"], "usage: stagger <command> [options]"],
    [[], "usage: stagger <command> [options]"],
    [["connect", "--help"], "usage: stagger connect [options] HOST PORT"],
    [["connect", "-h", "--delay", "nonsense"], "usage: stagger connect [options] HOST PORT"],
    [["demo", "--help"], "usage: stagger demo"]
  ])("%j: a usage line, then a plain screen of at most 80 columns, exit 0", ([args, usage]) =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* stagger(...args)
      expect(code).toBe(0)
      expect(stderr).toBe("")
      expect(stdout.split("\n")[0]).toBe(usage)
      expectPlainScreen(stdout)
    }))

  it.effect("connect: one line per option, with what it means", () =>
    Effect.gen(function*() {
      const { stdout } = yield* stagger("connect", "--help")
      const lines = stdout.split("\n")
      for (const option of connectOptions) {
        const line = lines.filter((l) => new RegExp(`^ {2}(-\\w, | {4})${option}\\b`).test(l))
        expect(line, option).toHaveLength(1)
        expect(line[0].slice(30).trim().length, option).toBeGreaterThan(10)
      }
      expect(stdout).toMatch(/^ {6}--delay MS\|none {9}Connection Attempt Delay, or none \(default 250\)$/m)
      expect(stdout).toMatch(/^ {6}--resolution-delay MS .*\(default 50\)$/m)
      expect(stdout).toMatch(/^ {6}--first-family-count N .*\(default 1\)$/m)
      expect(stdout).toMatch(/^ {2}HOST {2,}Host name or IP address$/m)
    }))

  it.effect("the root lists the commands, one line each", () =>
    Effect.gen(function*() {
      const { stdout } = yield* stagger("--help")
      expect(stdout).toMatch(/^ {2}connect HOST PORT {2,}Connect to HOST PORT and print the race$/m)
      expect(stdout).toMatch(/^ {2}demo {2,}Watch a staged race on loopback/m)
    }))

  it.effect("@effect/cli's built-ins a user never needs are unknown options", () =>
    Effect.gen(function*() {
      for (const option of ["--wizard", "--completions", "--log-level"]) {
        const { code, stderr } = yield* stagger("connect", option, "example.test", "80")
        expect(code).toBe(2)
        expect(stderr).toContain(`unknown option '${option}'`)
      }
    }))

  it.live("as a process, piped, with NO_COLOR set or not: plain text", () =>
    Effect.gen(function*() {
      for (const env of [{}, { NO_COLOR: "1" }]) {
        const { code, stdout } = yield* spawn(["connect", "--help"], { env })
        expect(code).toBe(0)
        expect(stdout.startsWith("usage: stagger connect [options] HOST PORT\n")).toBe(true)
        expectPlainScreen(stdout.trimEnd())
      }
    }), { timeout: 60_000 })
})
