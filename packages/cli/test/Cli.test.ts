import * as NodeContext from "@effect/platform-node/NodeContext"
import * as PlatformCommand from "@effect/platform/Command"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Path from "node:path"
import * as parse from "../src/internal/options.js"
import { stagger } from "./support/run.js"

const usageLine = /^usage: stagger connect \[--delay MS\|none\]/m

describe("stagger: bad command lines", () => {
  it.effect.each([
    [
      ["connect", "--delay", "abc", "example.test", "80"],
      "--delay: expected milliseconds (0 or more) or 'none', got 'abc'"
    ],
    [
      ["connect", "--delay", "-5", "example.test", "80"],
      "--delay: expected milliseconds (0 or more) or 'none', got '-5'"
    ],
    [
      ["connect", "--resolution-delay", "soon", "example.test", "80"],
      "--resolution-delay: expected a number of milliseconds (0 or more), got 'soon'"
    ],
    [["connect", "--family", "5", "example.test", "80"], "--family: expected 0 (both), 4 or 6, got '5'"],
    [
      ["connect", "--first-family-count", "0", "example.test", "80"],
      "--first-family-count: expected a whole number of at least 1, got '0'"
    ],
    [
      ["connect", "--local", "nowhere", "example.test", "80"],
      "--local: expected an IP address, optionally with a port"
    ],
    [["connect", "--dns-server", "dns.example", "example.test", "80"], "--dns-server: expected an IP address"],
    [["connect", "--resolver", "magic", "example.test", "80"], "--resolver: expected 'system' or 'dns', got 'magic'"],
    [
      ["connect", "--timeout", "1s", "example.test", "80"],
      "--timeout: expected milliseconds (0 or more) or 'none', got '1s'"
    ],
    [["connect", "example.test", "0"], "PORT: expected a port number from 1 to 65535, got '0'"],
    [["connect", "example.test", "http"], "PORT: expected a port number from 1 to 65535, got 'http'"],
    [["connect", "example.test"], "Missing argument <PORT>"],
    [["connect", "", "80"], "HOST: expected a host name or an IP address, got ''"],
    [["connect", "--dely", "5", "example.test", "80"], "unknown option '--dely' (did you mean --delay?)"],
    [["connect", "-4", "-6", "example.test", "80"], "give at most one of --family, -4 (--ipv4) and -6 (--ipv6)"],
    [
      ["connect", "--resolver", "system", "--dns-server", "192.0.2.53", "example.test", "80"],
      "--dns-server needs --resolver dns"
    ],
    [
      ["connect", "--resolver", "system", "--dns-timeout", "200", "example.test", "80"],
      "--dns-timeout needs --resolver dns"
    ],
    [
      ["connect", "--dns-tries", "0", "example.test", "80"],
      "--dns-tries: expected a whole number from 1 to 2147483647"
    ],
    [
      ["connect", "--dns-timeout", "3000000000", "example.test", "80"],
      "--dns-timeout: expected a number of milliseconds (0 to 2147483647), got '3000000000'"
    ]
  ])("%j: a message and the usage, exit 2", ([args, message]) =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* stagger(...args)
      expect(code).toBe(2)
      expect(stderr).toContain(message)
      expect(stderr).toMatch(usageLine)
      expect(stderr).toContain("Run 'stagger connect --help'")
      expect(stderr).not.toMatch(/^\s+at /m)
      expect(stdout).toBe("")
    }))

  it.effect("an unknown subcommand: the message and every usage, exit 2", () =>
    Effect.gen(function*() {
      const { code, stderr } = yield* stagger("bogus")
      expect(code).toBe(2)
      expect(stderr).toContain("Invalid subcommand for stagger")
      expect(stderr).toMatch(usageLine)
      expect(stderr).toContain("usage: stagger demo")
    }))

  it.effect("--help prints the help and exits 0", () =>
    Effect.gen(function*() {
      const { code, stdout } = yield* stagger("connect", "--help")
      expect(code).toBe(0)
      expect(stdout).toContain("--handshake-in-attempt")
      expect(stdout).toContain("Connection Attempt Delay")
    }))
})

describe("stagger connect: every flag's error names the flag, before any output", () => {
  const huge = "9".repeat(400) // named "9999... (400 characters)" in the test names
  // `localhost` resolves, so a value that only the library would refuse reaches it.
  it.effect.each([
    ["--first-family-count", huge, "--first-family-count: expected a whole number of at least 1, got '9999"],
    ["--first-family-count", "1e3", "--first-family-count: expected a whole number of at least 1, got '1e3'"],
    ["--delay", huge, "--delay: expected milliseconds (0 or more) or 'none', got '9999"],
    ["--resolution-delay", huge, "--resolution-delay: expected a number of milliseconds (0 or more), got '9999"],
    ["--timeout", huge, "--timeout: expected milliseconds (0 or more) or 'none', got '9999"],
    ["--dns-timeout", huge, "--dns-timeout: expected a number of milliseconds (0 to 2147483647), got '9999"],
    ["--dns-tries", huge, "--dns-tries: expected a whole number from 1 to 2147483647, got '9999"],
    ["--dns-server", "127.0.0.1:0", "--dns-server: expected a port from 1 to 65535, got '127.0.0.1:0'"],
    ["--dns-server", "[::1]:0", "--dns-server: expected a port from 1 to 65535, got '[::1]:0'"],
    ["--local", "127.0.0.1:65536", "--local: expected an IP address, optionally with a port"],
    ["--local", huge, "--local: expected an IP address, optionally with a port"],
    ["--family", huge, "--family: expected 0 (both), 4 or 6, got '9999"],
    ["--resolver", huge, "--resolver: expected 'system' or 'dns', got '9999"]
  ].map(([flag, value, message]): readonly [string, string, string, string] => [
    flag,
    value === huge ? "9999... (400 characters)" : value,
    value,
    message
  ]))("%s %s", ([flag, _name, value, message]) =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* stagger("connect", flag, value, "localhost", "9")
      expect(code).toBe(2)
      expect(stdout).toBe("")
      const [first] = stderr.split("\n")
      expect(first).toContain(message)
      expect(first.length).toBeLessThanOrEqual(120)
    }))

  it("a value only the library refuses is reported with the flag's name", () => {
    expect(parse.inFlags("firstAddressFamilyCount must be an integer of at least 1, got Infinity"))
      .toBe("--first-family-count must be an integer of at least 1, got Infinity")
    expect(parse.inFlags("NodeGetAddrInfo.layerDns: tries must be an integer of at least 1, got 0"))
      .toBe("--dns-tries must be an integer of at least 1, got 0")
  })
})

describe("stagger connect: the family asked for", () => {
  // A literal of the other family does not resolve: exit 1, not a usage error. Port 9 on
  // loopback refuses, so a literal of the family asked for is dialled and refused.
  it.effect.each(
    [
      [["-6"], "127.0.0.1", "IPv6 only", "could not resolve 127.0.0.1"],
      [["--family", "6"], "127.0.0.1", "IPv6 only", "could not resolve 127.0.0.1"],
      [["-4"], "::1", "IPv4 only", "could not resolve ::1"],
      [["--family", "4"], "::1", "IPv4 only", "could not resolve ::1"],
      [["--family", "0"], "127.0.0.1", "both families", "ECONNREFUSED"],
      [[], "::1", "both families", "ECONNREFUSED"]
    ] as const
  )("%j to %s: %s", ([flags, host, header, failure]) =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* stagger("connect", ...flags, "--delay", "none", host, "9")
      expect(code).toBe(1)
      expect(stdout).toContain(`* connecting to ${host.includes(":") ? `[${host}]` : host}:9, ${header}`)
      expect(stderr).toContain(failure)
    }))
})

describe("stagger as a process (bin.ts, as `pnpm stagger` runs it)", () => {
  const root = Path.resolve(__dirname, "../../..")
  const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
    stream.pipe(Stream.decodeText(), Stream.mkString, Effect.orDie)

  it.scoped("a bad option: the message and usage on stderr, no stack trace, exit 2", () =>
    Effect.gen(function*() {
      const process = yield* PlatformCommand.start(
        PlatformCommand.make(
          Path.join(root, "node_modules/.bin/tsx"),
          "--conditions=@effect-stagger/source",
          "packages/cli/src/bin.ts",
          "connect",
          "--delay",
          "soon",
          "example.test",
          "80"
        ).pipe(PlatformCommand.workingDirectory(root))
      )
      const [stdout, stderr, code] = yield* Effect.all(
        [collect(process.stdout), collect(process.stderr), process.exitCode],
        { concurrency: "unbounded" }
      )
      expect(code).toBe(2)
      expect(stdout).toBe("")
      expect(stderr).toContain("--delay: expected milliseconds (0 or more) or 'none', got 'soon'")
      expect(stderr).toMatch(usageLine)
      expect(stderr).not.toMatch(/^\s+at /m)
      expect(stderr).not.toContain("Error")
    }).pipe(Effect.provide(NodeContext.layer), Effect.timeout("60 seconds"), Effect.orDie), { timeout: 70_000 })
})
