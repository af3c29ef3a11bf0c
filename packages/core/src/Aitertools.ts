/**
 * The seed's `aitertools`, on `Stream`.
 *
 * - `aiter_from_iter(iterable)`: pass the `Iterable` to `staggeredRace` directly; it is
 *   advanced once per attempt, as the seed's wrapper is. `Stream.fromIterable(iterable)` also
 *   works, but a `Stream` reads an iterable in chunks, so a generator runs ahead of the race.
 * - `aiterclose(aiterator)` has no counterpart to call: a `Stream` releases its resources
 *   when the consumer stops pulling, through its `Scope`.
 * - `product(*aiterables)` is `product` below: unlike `Stream.cross`, which runs the second
 *   stream again for every element of the first, it pulls the second stream once, lazily,
 *   and replays what it saw.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

/**
 * The cartesian product of two streams, in the seed's order: for each element of `self`,
 * every element of `that`. `that` is pulled only once, while it is paired with the first
 * element of `self`, and cached for the others, so each of its elements is produced once and
 * only when needed.
 *
 * @example
 * ```ts
 * import { Aitertools } from "@effect-stagger/core"
 * import { Effect, Stream } from "effect"
 *
 * const pairs = Aitertools.product(Stream.make("a", "b"), Stream.make(1, 2)).pipe(Stream.runCollect)
 * // Effect.runSync(pairs): Chunk(["a", 1], ["a", 2], ["b", 1], ["b", 2])
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const product = <A, E, R, B, E2, R2>(
  self: Stream.Stream<A, E, R>,
  that: Stream.Stream<B, E2, R2>
): Stream.Stream<readonly [A, B], E | E2, R | R2> =>
  Stream.unwrap(
    Effect.map(Ref.make(Chunk.empty<B>()), (seen) =>
      Stream.flatMap(Stream.zipWithIndex(self), ([a, index]) =>
        Stream.map(
          index === 0 ?
            Stream.tap(that, (b) => Ref.update(seen, Chunk.append(b))) :
            Stream.fromIterableEffect(Ref.get(seen)),
          (b) => [a, b] as const
        )))
  )
