// echo-server.mjs: the lab's TCP server, run inside the server namespace by lab.sh.
//
// Why: a connection attempt that wins must be usable, so clients in the lab do a real round
// trip after connecting. The server listens on PORT of each server address of the config
// (not on a wildcard, so the lab's link and DNS addresses do not accept TCP), echoes every
// byte back and closes its side when the client closes its side.
//
// Per-address behaviour (drop, reset, delay) is done by the firewall in front of it, not here.
//
// HTTP: a connection whose first bytes are "GET " is answered as HTTP/1.1 instead (for the
// HTTP client benchmark, bench/http.ts): each request gets a 200 whose body is the server
// address that accepted it, and the connection stays open for the next request.
//
// Usage: node echo-server.mjs PORT ADDRESS [ADDRESS...]
// Prints "ready" on stdout once every listener is bound. Stops on SIGTERM/SIGINT.
import * as net from "node:net"

const [portText, ...addresses] = process.argv.slice(2)
const port = Number(portText)
if (!Number.isInteger(port) || port < 1 || port > 65535 || addresses.length === 0) {
  process.stderr.write("usage: node echo-server.mjs PORT ADDRESS [ADDRESS...]\n")
  process.exit(2)
}

/** Answers each request (a GET without a body, ending at an empty line) with `address`. */
const http = (socket, address, first) => {
  let pending = ""
  const onData = (chunk) => {
    pending += chunk.toString("latin1")
    let end
    while ((end = pending.indexOf("\r\n\r\n")) !== -1) {
      pending = pending.slice(end + 4)
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(address)}\r\n` +
          `connection: keep-alive\r\n\r\n${address}`
      )
    }
  }
  socket.on("data", onData)
  onData(first)
}

const servers = []
const sockets = new Set()
let listening = 0

for (const address of addresses) {
  const server = net.createServer({ allowHalfOpen: false }, (socket) => {
    sockets.add(socket)
    socket.on("error", () => socket.destroy()) // a client reset is normal here
    socket.on("close", () => sockets.delete(socket))
    socket.once("data", (first) => {
      if (first.subarray(0, 4).toString("latin1") === "GET ") return http(socket, address, first)
      socket.write(first)
      socket.pipe(socket)
    })
  })
  server.on("error", (error) => {
    process.stderr.write(`echo ${address}:${port}: ${error.message}\n`)
    process.exit(1)
  })
  server.listen({ host: address, port, ipv6Only: true, backlog: 511 }, () => {
    listening += 1
    if (listening === addresses.length) process.stdout.write("ready\n")
  })
  servers.push(server)
}

const stop = () => {
  for (const server of servers) server.close()
  for (const socket of sockets) socket.destroy()
  process.exit(0)
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
