/**
 * Happy Eyeballs (RFC 8305) TCP and TLS connections for Effect on Node.js
 *
 * @since 0.1.0
 */

/**
 * The error of one failed connection attempt: the TCP connect (or bind) to one address, or
 * the TLS handshake over it.
 *
 * @since 0.1.0
 */
export * as DialError from "./DialError.js"

/**
 * `GetAddrInfo` on Node: the system resolver, or DNS queries to chosen servers.
 *
 * The system resolver (`layer`) is what every other program on the machine uses: `/etc/hosts`,
 * nsswitch, the system's address sorting. The concurrent resolver asks it for each family on
 * its own, which is two `getaddrinfo` calls on libuv's thread pool. `layerDns` sends the AAAA
 * and A queries itself, each answered as it arrives, as RFC 8305 section 3 has in mind; it
 * does not read `/etc/hosts`.
 *
 * @since 0.1.0
 */
export * as NodeGetAddrInfo from "./NodeGetAddrInfo.js"

/**
 * Happy Eyeballs (RFC 8305) TCP and TLS connections on Node: `HappyEyeballs.connectWith` over
 * `node:net` sockets, handed back as a `net.Socket`, an Effect `Socket`, a reader and writer,
 * or a `Layer`.
 *
 * Each attempt connects one `net.Socket` to one IP literal, with Node's own `autoSelectFamily`
 * off (it would race again inside the attempt, and abandons each address after 250 ms), bound
 * to a local address when asked. The socket's destroy finalizer is registered in the attempt's
 * scope before it connects, so a loser, an interrupted connect or a closed caller scope never
 * leaves a socket open.
 *
 * @since 0.1.0
 */
export * as NodeHappyEyeballs from "./NodeHappyEyeballs.js"

/**
 * Effect's `HttpClient` with Happy Eyeballs: every connection it opens is a
 * `NodeHappyEyeballs` connect. Provide one layer, and every request of the app gets it.
 *
 * These are `@effect/platform-node`'s clients (undici, or `node:http`), whose pools open their
 * connections through the connector and agents of `@effect-stagger/node/promise`, run in the
 * layer's own runtime: the `GetAddrInfo` provided to the layer resolves, `layerDefaults`
 * apply, and each connect's spans go to the app's tracer, in the trace of the request that
 * opened the connection. Connections are pooled and reused as usual; closing the layer's scope
 * closes the pool, every socket and every connect still running.
 *
 * A failed connect fails the request with an `HttpClientError.RequestError` (`reason`
 * `"Transport"`) whose `cause` is the connect's own error: `DialError`, `ConnectError`,
 * `ResolveError` or `Cause.TimeoutException`.
 *
 * @since 0.2.0
 */
export * as NodeHttpClient from "./NodeHttpClient.js"
