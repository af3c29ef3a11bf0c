/**
 * Self-test of the network lab: each behaviour of lab.sh (ok, drop, reset, delay, DNS answers
 * and delays, local binding) does what docs/lab.md says, and `Lab.make` leaves nothing behind,
 * even when the test using it fails.
 *
 * Why: every Happy Eyeballs measurement in this repository rests on the lab; if a rule stops
 * applying (a kernel without NFQUEUE, a changed iptables), the numbers would be wrong without
 * any error. Skipped, with the reason, where the lab cannot run (not root, tools missing).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Lab from "./Lab.js"
import * as Scenarios from "./scenarios.js"

const availability = await Effect.runPromise(Lab.available)
const skipReason = availability.ok ? "" : ` (skipped: ${availability.reason})`

const config: Lab.LabConfig = {
  port: 8080,
  servers: [
    { address: "2001:db8:1::10", behaviour: "ok" },
    { address: "198.18.0.10", behaviour: "ok" },
    { address: "2001:db8:1::11", behaviour: "reset" },
    { address: "198.18.0.11", behaviour: "drop" },
    { address: "198.18.0.12", behaviour: "ok", delayMs: 100 }
  ],
  clientAddresses: ["198.18.1.100", "2001:db8:2::100"],
  dns: {
    names: {
      "svc.lab": { A: ["198.18.0.10"], AAAA: ["2001:db8:1::10"] },
      "slow6.lab": { A: ["198.18.0.10"], AAAA: ["2001:db8:1::10"], aaaaDelayMs: 300 },
      "v4only.lab": { A: ["198.18.0.10"] }
    }
  }
}

// Resolves names in the client namespace with getaddrinfo (dns.lookup) and c-ares (resolve6).
const dnsProbe = `
const dns = require("node:dns")
const t0 = process.hrtime.bigint()
const ms = () => Number(process.hrtime.bigint() - t0) / 1e6
const out = {}
const lookup = (name, family) => new Promise((done) =>
  dns.lookup(name, { all: true, family }, (error, addresses) => done(error ? error.code : addresses.map((a) => a.address))))
;(async () => {
  out.svc = await lookup("svc.lab", 0)
  out.unknown = await lookup("nope.lab", 0)
  out.v4only6 = await lookup("v4only.lab", 6)
  const start = ms()
  out.slow6 = await lookup("slow6.lab", 0)
  out.slow6Ms = ms() - start
  out.resolve6 = await dns.promises.resolve6("svc.lab").catch((error) => error.code)
  out.resolve6v4only = await dns.promises.resolve6("v4only.lab").catch((error) => error.code)
  out.resolve4unknown = await dns.promises.resolve4("nope.lab").catch((error) => error.code)
  console.log(JSON.stringify(out))
})()
`

const idGone = (id: string) =>
  Effect.gen(function*() {
    const listed = yield* Lab.run("bash", [Lab.labScript, "list"])
    const namespaces = yield* Lab.run("ip", ["netns", "list"])
    expect(listed.stdout.split("\n")).not.toContain(id)
    expect(namespaces.stdout).not.toContain(`-${id}`)
  })

describe.skipIf(!availability.ok)(`network lab${skipReason}`, () => {
  it.live(
    "servers: ok, reset, drop, delay, local binding; DNS: answers, delays, NXDOMAIN",
    () =>
      Effect.gen(function*() {
        const id = yield* Effect.scoped(
          Effect.gen(function*() {
            const lab = yield* Lab.make(config)
            expect(lab.clientNamespace).toBe(`stg-c-${lab.id}`)
            expect(lab.dnsServers).toEqual(["198.18.255.53", "2001:db8:ff::53"])

            const v6 = yield* Lab.baseline(lab, "plain", "2001:db8:1::10")
            expect(v6).toMatchObject({ ok: true, family: 6, remote: "2001:db8:1::10", echo: true })

            const reset = yield* Lab.baseline(lab, "plain", "2001:db8:1::11")
            expect(reset.ok).toBe(false)
            expect(reset.ok ? "" : reset.error).toContain("ECONNREFUSED")
            // At once: well before the dropped address's 600 ms below (no timing target here).
            expect(reset.ms).toBeLessThan(600)

            const dropped = yield* Lab.baseline(lab, "plain", "198.18.0.11", { timeoutMs: 600 })
            expect(dropped).toMatchObject({ ok: false, error: "hard timeout after 600 ms" })

            const delayed = yield* Lab.baseline(lab, "plain", "198.18.0.12")
            expect(delayed).toMatchObject({ ok: true, remote: "198.18.0.12", echo: true })
            // The SYN waits 100 ms; the SYN-ACK back is not delayed (that would make it 200).
            expect(delayed.ms).toBeGreaterThanOrEqual(99)
            expect(delayed.ms).toBeLessThan(200)

            const bound4 = yield* Lab.baseline(lab, "plain", "198.18.0.10", { localAddress: "198.18.1.100" })
            expect(bound4).toMatchObject({ ok: true, remote: "198.18.0.10" })
            const bound6 = yield* Lab.baseline(lab, "plain", "2001:db8:1::10", { localAddress: "2001:db8:2::100" })
            expect(bound6).toMatchObject({ ok: true, remote: "2001:db8:1::10" })

            const probe = yield* lab.exec([process.execPath, "-e", dnsProbe])
            expect(probe.code).toBe(0)
            const answers: unknown = JSON.parse(probe.stdout)
            expect(answers).toMatchObject({
              svc: ["2001:db8:1::10", "198.18.0.10"],
              unknown: "ENOTFOUND",
              v4only6: "ENOTFOUND",
              slow6: ["2001:db8:1::10", "198.18.0.10"],
              resolve6: ["2001:db8:1::10"],
              resolve6v4only: "ENODATA",
              resolve4unknown: "ENOTFOUND"
            })
            expect((answers as { slow6Ms: number }).slow6Ms).toBeGreaterThanOrEqual(295)

            const echoed = yield* lab.exec(["sh", "-c", "echo $0", "hello"], { timeout: "5 seconds" })
            expect(echoed).toEqual({ stdout: "hello\n", stderr: "", code: 0 })
            return lab.id
          })
        )
        yield* idGone(id)
      }),
    60_000
  )

  it.live("exec times out and kills the process", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const lab = yield* Lab.make({ servers: [] })
        const started = Date.now()
        const result = yield* Effect.exit(lab.exec(["sleep", "30"], { timeout: "300 millis" }))
        expect(Exit.isFailure(result)).toBe(true)
        expect(Date.now() - started).toBeLessThan(5_000)
      })
    ), 30_000)

  it.live("a failing user of the lab still tears it down", () =>
    Effect.gen(function*() {
      let id = ""
      const result = yield* Effect.exit(Effect.scoped(
        Effect.gen(function*() {
          const lab = yield* Lab.make(Scenarios.C.config)
          id = lab.id
          return yield* Effect.fail("boom")
        })
      ))
      expect(Exit.isFailure(result)).toBe(true)
      expect(id).not.toBe("")
      yield* idGone(id)
    }), 30_000)

  it.live("an invalid config fails with LabError and leaves nothing", () =>
    Effect.gen(function*() {
      const result = yield* Effect.flip(Effect.scoped(Lab.make({ servers: [{ address: "192.0.2.1" }] })))
      expect(result._tag).toBe("LabError")
      expect(result.message).toContain("outside 198.18.0.0/15")
    }), 30_000)
})
