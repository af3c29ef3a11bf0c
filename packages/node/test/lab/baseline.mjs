// baseline.mjs: times Node's own connect, to compare effect-stagger against it.
//
// Why: the project's claim is "faster than net.connect({ autoSelectFamily: true })" on bad
// paths; this client measures that baseline in the lab. Run it INSIDE the client namespace
// (ip netns exec stg-c-ID node baseline.mjs ...), so the host name resolves through the lab DNS.
//
// Usage: node baseline.mjs MODE HOST PORT [LOCAL_ADDRESS]
//   MODE auto:  net.connect({ autoSelectFamily: true }) with Node's default attempt timeout
//   MODE plain: net.connect({ autoSelectFamily: false }): the first address getaddrinfo gives
//   LOCAL_ADDRESS: passed as localAddress (Node then turns autoSelectFamily off by itself)
// Time is taken from just before net.connect() to the 'connect' event (process.hrtime), so it
// includes Node's dns.lookup of HOST. Before that, untimed, it warms up as a long-running
// program would be: a lookup of a name the lab DNS does not know (libuv's thread pool, glibc's
// NSS modules) and a connect to localhost port 9, where nothing listens in the client namespace
// (Node's connect code). A fresh process is ~3-6 ms slower without it; STG_BASELINE_COLD=1
// skips it. After connecting
// it does one round trip through the lab's echo server to prove the socket works.
// Prints one JSON line, then exits:
//   {"ok":true,"ms":12.3,"remote":"198.18.0.10","family":4,"rttMs":0.2}          exit 0
//   {"ok":false,"ms":250.1,"error":"ECONNREFUSED ...","errors":[...]}            exit 1
// A hard timeout (15 s, or $STG_BASELINE_TIMEOUT_MS) ends it with ok:false and exit 2.
import * as dns from "node:dns"
import * as net from "node:net"

const [mode, host, portText, localAddress] = process.argv.slice(2)
const port = Number(portText)
if ((mode !== "auto" && mode !== "plain") || host === undefined || !Number.isInteger(port)) {
  process.stderr.write("usage: node baseline.mjs auto|plain HOST PORT [LOCAL_ADDRESS]\n")
  process.exit(64)
}
const hardTimeoutMs = Number(process.env.STG_BASELINE_TIMEOUT_MS ?? 15_000)

let done = false
const finish = (result, code) => {
  if (done) return
  done = true
  process.stdout.write(JSON.stringify(result) + "\n")
  process.exit(code)
}

const describe = (error) => {
  const text = (e) => [e.code, e.message].filter((s) => typeof s === "string" && s !== "").join(" ") || String(e)
  return error instanceof AggregateError
    ? { error: text(error) || "AggregateError", errors: error.errors.map(text) }
    : { error: text(error) }
}

const options = { host, port, autoSelectFamily: mode === "auto" }
if (localAddress !== undefined) options.localAddress = localAddress

let start = process.hrtime.bigint()
const since = () => Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100
const timer = setTimeout(() => finish({ ok: false, ms: since(), error: `hard timeout after ${hardTimeoutMs} ms` }, 2), hardTimeoutMs)

const connect = () => {
  start = process.hrtime.bigint()
  const socket = net.connect(options)
  socket.on("connect", () => onConnect(socket))
  socket.on("error", (error) => {
    clearTimeout(timer)
    finish({ ok: false, ms: since(), ...describe(error) }, 1)
  })
}

const onConnect = (socket) => {
  const ms = since()
  const remote = socket.remoteAddress
  const family = socket.remoteFamily === "IPv6" ? 6 : 4
  const pingAt = process.hrtime.bigint()
  const ping = Buffer.from("stagger-lab\n")
  let received = Buffer.alloc(0)
  socket.on("data", (chunk) => {
    received = Buffer.concat([received, chunk])
    if (received.length >= ping.length) {
      const rttMs = Math.round(Number(process.hrtime.bigint() - pingAt) / 1e4) / 100
      clearTimeout(timer)
      socket.destroy()
      finish({ ok: true, ms, remote, family, rttMs, echo: received.equals(ping) }, 0)
    }
  })
  socket.on("end", () => finish({ ok: false, ms, remote, family, error: "connection closed before the echo" }, 1))
  socket.write(ping)
}

const warmUp = (then) =>
  dns.lookup("warm-up.stg-lab.invalid", { all: true }, () => {
    const probe = net.connect({ host: "localhost", port: 9, autoSelectFamily: mode === "auto" })
    const next = () => {
      probe.destroy()
      then()
    }
    probe.on("connect", next)
    probe.on("error", next)
  })

// STG_BASELINE_SECOND=1: time the second of two connects to HOST, the first untimed.
const first = (then) => {
  const socket = net.connect(options)
  const next = () => {
    socket.destroy()
    then()
  }
  socket.on("connect", next)
  socket.on("error", next)
}
const timed = process.env.STG_BASELINE_SECOND === "1" ? () => first(connect) : connect

if (process.env.STG_BASELINE_COLD === "1") timed()
else warmUp(timed)
