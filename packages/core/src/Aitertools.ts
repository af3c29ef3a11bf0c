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
import type * as Stream from "effect/Stream"
import * as internal from "./internal/aitertools.js"

/**
 * The options of `product`: `repeat`, how many times the streams are repeated (default 1), as
 * `itertools.product`'s keyword argument.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProductOptions extends internal.ProductOptions {}

/** A union's parts' errors, and none for no stream (where `Stream.Stream.Error` gives `unknown`). */
type ErrorOf<S> = S extends Stream.Stream<infer _A, infer E, infer _R> ? E : never

/** A union's parts' requirements, and none for no stream. */
type ContextOf<S> = S extends Stream.Stream<infer _A, infer _E, infer R> ? R : never

/**
 * The cartesian product of any number of streams, in async_stagger's order (that of
 * `itertools.product`): the tuples of one element of each stream, the last stream varying
 * fastest. With `{ repeat: n }` last, the streams are taken `n` times over, as
 * `product(a, b, repeat=2)` is `product(a, b, a, b)`.
 *
 * Details
 *
 * Each stream is pulled once, lazily: an element is pulled only when a tuple needs it, so
 * the second stream is pulled while it is paired with the first element of the first, and
 * cached for the others; a first stream that is empty leaves the others unpulled. No stream
 * gives one empty tuple, as `itertools.product()` does; so does `repeat: 0`. A `repeat` that
 * is not an integer of at least 0 is a defect, `IllegalArgumentException`, as with Effect's own
 * `Stream.sliding`. A stream's failure ends the product with it.
 *
 * @example
 * ```ts
 * import { Aitertools } from "@effect-stagger/core"
 * import { Effect, Stream } from "effect"
 *
 * const pairs = Aitertools.product(Stream.make("a", "b"), Stream.make(1, 2)).pipe(Stream.runCollect)
 * // Effect.runSync(pairs): Chunk(["a", 1], ["a", 2], ["b", 1], ["b", 2])
 *
 * const bits = Aitertools.product(Stream.make(0, 1), { repeat: 3 }).pipe(Stream.runCollect)
 * // Effect.runSync(bits): Chunk([0, 0, 0], [0, 0, 1], [0, 1, 0], ..., [1, 1, 1])
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const product: {
  <const S extends ReadonlyArray<Stream.Stream<unknown, unknown, unknown>>>(
    ...streams: S
  ): Stream.Stream<
    { readonly [K in keyof S]: Stream.Stream.Success<S[K]> },
    ErrorOf<S[number]>,
    ContextOf<S[number]>
  >
  <const S extends ReadonlyArray<Stream.Stream<unknown, unknown, unknown>>>(
    ...args: [...streams: S, options: ProductOptions]
  ): Stream.Stream<
    ReadonlyArray<Stream.Stream.Success<S[number]>>,
    ErrorOf<S[number]>,
    ContextOf<S[number]>
  >
} = internal.product as never // one implementation behind the typed overloads
