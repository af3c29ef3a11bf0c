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
 * The seed's `aitertools`, on `Stream`.
 *
 * - `aiter_from_iter(iterable)`: pass the `Iterable` to `staggeredRace` directly; it is
 *   advanced once per attempt, as the seed's wrapper is. `Stream.fromIterable(iterable)` also
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
 * The lookup service that resolvers are built on (the seed's `getaddrinfo_async`), and the
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
 * What a connect did, as data: each DNS answer, each attempt's start and end, the winner.
 *
 * Pass `onEvent` to `HappyEyeballs.connectWith` (or any connect built on it) to receive the
 * events as they happen; a `ConnectError` carries them all. Times are milliseconds since the
 * connect started, read from Effect's `Clock`, so under `TestClock` they are exact.
 *
 * The connect also runs in Effect spans (`stagger.connect`, `stagger.lookup`,
 * `stagger.attempt`) with the address and family as attributes and the outcome as the span's
 * exit, so a tracer such as `@effect/opentelemetry` shows the race with no extra code. A
 * connect to an IP literal makes one attempt and no lookup: its `stagger.connect` span is the
 * only one, and carries the attempt's attributes.
 *
 * @since 0.1.0
 */
export * as Trace from "./Trace.js"
