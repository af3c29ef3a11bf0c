/**
 * The cartesian product of streams, each pulled once, lazily, and replayed from what it gave.
 *
 * Each distinct input is a shared source: its pull and the elements pulled so far. Every run of
 * a position reads the source from its start, from the cache while it holds enough and from the
 * pull past that, so a stream at several positions (`repeat`) is still pulled once, and no
 * element is pulled before a tuple needs it.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

type AnyStream = Stream.Stream<unknown, unknown, unknown>

/** The options of `product`, as keyword arguments of `itertools.product`. */
export interface ProductOptions {
  readonly repeat?: number | undefined
}

/** The arguments of `product`: the streams, then the options if the last is not a stream. */
const split = (args: ReadonlyArray<AnyStream | ProductOptions>) => {
  const last = args[args.length - 1]
  return last !== undefined && !Predicate.hasProperty(last, Stream.StreamTypeId) ?
    { streams: args.slice(0, -1) as ReadonlyArray<AnyStream>, repeat: (last as ProductOptions).repeat ?? 1 } :
    { streams: args as ReadonlyArray<AnyStream>, repeat: 1 }
}

/** A stream read through a cache, so that every run of it sees the same elements. */
const replayable = (stream: AnyStream) =>
  Effect.gen(function*() {
    const pull = yield* Stream.toPull(stream)
    const seen = yield* Ref.make(Chunk.empty<unknown>())
    const next = (index: number) =>
      Effect.flatMap(Ref.get(seen), (cached) =>
        index < Chunk.size(cached) ?
          Effect.succeed(Option.some([Chunk.drop(cached, index), Chunk.size(cached)] as const)) :
          pull.pipe(
            Effect.tap((chunk) => Ref.update(seen, Chunk.appendAll(chunk))),
            Effect.map((chunk) => Option.some([chunk, index + Chunk.size(chunk)] as const)),
            Effect.catchAll(Option.match({ onNone: () => Effect.succeedNone, onSome: Effect.fail }))
          ))
    return Stream.unfoldChunkEffect(0, next)
  })

/** Every tuple of one element of each position, the last position varying fastest. */
const tuples = (positions: ReadonlyArray<AnyStream>): Stream.Stream<ReadonlyArray<unknown>, unknown, unknown> =>
  positions.length === 0 ?
    Stream.make([]) :
    Stream.flatMap(positions[0], (head) => Stream.map(tuples(positions.slice(1)), (rest) => [head, ...rest]))

/** @internal */
export const product = (...args: ReadonlyArray<AnyStream | ProductOptions>) => {
  const { repeat, streams } = split(args)
  if (!(Number.isInteger(repeat) && repeat >= 0)) {
    return Stream.die(
      new Cause.IllegalArgumentException(`product: repeat must be an integer of at least 0, got ${String(repeat)}`)
    )
  }
  // The first stream is read once, unless repeated: it needs no replaying.
  return Stream.unwrapScoped(
    Effect.map(
      Effect.forEach(streams, (stream, i) => i === 0 && repeat === 1 ? Effect.succeed(stream) : replayable(stream)),
      (sources) => tuples(Array.from({ length: repeat }, () => sources).flat())
    )
  )
}
