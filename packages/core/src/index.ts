/**
 * Happy Eyeballs (RFC 8305) for Effect: staggered races, streaming resolvers and the connect algorithm over any transport
 *
 * @since 0.1.0
 */

/**
 * Addresses as Happy Eyeballs sees them: a resolved remote endpoint and an optional local
 * address to bind.
 *
 * @since 0.1.0
 */
export * as AddrInfo from "./AddrInfo.js"

/**
 * async_stagger's `aitertools`, on `Stream`.
 *
 * - `aiter_from_iter(iterable)`: pass the `Iterable` to `staggeredRace` directly; it is
 *   advanced once per attempt, as async_stagger's wrapper is. `Stream.fromIterable(iterable)` also
 *   works, but a `Stream` reads an iterable in chunks, so a generator runs ahead of the race.
 * - `aiterclose(aiterator)` has no counterpart to call: a `Stream` releases its resources
 *   when the consumer stops pulling, through its `Scope`.
 * - `product(*aiterables, repeat=1)` is `product` below: unlike `Stream.cross`, which runs the
 *   later streams again for every element of the earlier ones, it pulls each stream once,
 *   lazily, and replays what it saw.
 *
 * @since 0.1.0
 */
export * as Aitertools from "./Aitertools.js"

/**
 * The error of a connect in which no attempt succeeded.
 *
 * @since 0.1.0
 */
export * as ConnectError from "./ConnectError.js"

/**
 * The lookup service that resolvers are built on (async_stagger's `getaddrinfo_async`), and the
 * error of a failed lookup.
 *
 * @since 0.1.0
 */
export * as GetAddrInfo from "./GetAddrInfo.js"

/**
 * Happy Eyeballs (RFC 8305) over any transport: resolve, race staggered attempts, keep the
 * first connection that succeeds.
 *
 * @since 0.1.0
 */
export * as HappyEyeballs from "./HappyEyeballs.js"

/**
 * What earlier connects to a host learned: the address that won and the addresses that
 * failed, so that the next connect tries the winner first (Happy Eyeballs v3's history).
 *
 * @since 0.2.0
 */
export * as History from "./History.js"

/**
 * Resolvers: host names to streams of addresses, ordered for Happy Eyeballs.
 *
 * A resolver is a function from a host, a port and a family to a `Stream` of `AddrInfo`. The
 * stream hands addresses out as they become known, so a connect can start on the first
 * answer while the other family is still being looked up.
 *
 * The world enters through `GetAddrInfo`, a service with one `lookup`: the Node package
 * provides the system resolver and real DNS queries; tests provide scripted ones.
 *
 * @since 0.1.0
 */
export * as Resolver from "./Resolver.js"

/**
 * Staggered races: start effects one after another with a delay, take the first to succeed.
 *
 * @since 0.1.0
 */
export * as Stagger from "./Stagger.js"

/**
 * A connect's `Trace.Event`s as a readable timeline, the way `curl -v` tells a connection's
 * story: one aligned line per event, times in milliseconds since the connect started.
 *
 * ```text
 *     0.4 ms  dns  IPv4       127.0.0.2, 127.0.0.3
 *    20.9 ms  dns  IPv6       ::1
 *    21.2 ms  #0   start      [::1]:41235
 *    21.6 ms  #0   failed     [::1]:41235  ECONNREFUSED
 *    21.8 ms  #1   start      127.0.0.2:41235  (#0 failed)
 *   272.0 ms  #2   start      127.0.0.3:41235  (250 ms after #1)
 *   272.5 ms  #2   connected  127.0.0.3:41235
 *   272.6 ms  #1   cancelled  127.0.0.2:41235  (another attempt won)
 * ```
 *
 * Each start after the first says why it started then: its predecessor failed, the
 * Connection Attempt Delay passed, or its address had only just been resolved. The formatter
 * is a pure fold over the events (`step`), so a program can write each line as the event
 * happens (the `stagger` command does, and a server can log them from `onEvent`), or format a
 * `ConnectError`'s events after the fact (`format`). Plain text unless `color` is asked for.
 *
 * @since 0.2.0
 */
export * as Timeline from "./Timeline.js"

/**
 * What a connect did, as data: each DNS answer, each attempt's start and end, the winner.
 *
 * Pass `onEvent` to `HappyEyeballs.connectWith` (or any connect built on it) to receive the
 * events as they happen; a `ConnectError` carries them all. Times are milliseconds since the
 * connect started, read from Effect's `Clock`, so under `TestClock` they are exact.
 *
 * The connect also runs in Effect spans (`stagger.connect`, `stagger.lookup`,
 * `stagger.attempt`) with OpenTelemetry's attribute names (`server.address`, `server.port`,
 * `network.peer.address`, `network.peer.port`, `network.type`, `error.type`) and the outcome
 * as the span's exit, so a tracer such as `@effect/opentelemetry` shows the race with no extra
 * code. `stagger.connect` also carries the winner's address, `stagger.attempts` and
 * `stagger.attempts.failed`. A family with no records ends its lookup span without error.
 *
 * @since 0.1.0
 */
export * as Trace from "./Trace.js"
