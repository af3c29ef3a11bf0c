import { Aitertools } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

/** A stream of `values` that counts the elements it has produced in `pulled`. */
const counted = <A>(values: ReadonlyArray<A>, pulled: Ref.Ref<number>) =>
  Stream.tap(Stream.fromIterable(values), () => Ref.update(pulled, (n) => n + 1))

describe("Aitertools.product", () => {
  it.effect("pairs each element of the first with every element of the second, in async_stagger's order", () =>
    Effect.gen(function*() {
      const pairs = yield* Stream.runCollect(Aitertools.product(Stream.make("a", "b", "c"), Stream.make(1, 2)))
      expect(Chunk.toArray(pairs)).toEqual([["a", 1], ["a", 2], ["b", 1], ["b", 2], ["c", 1], ["c", 2]])
    }))

  it.effect("pulls the second stream once and replays it, unlike Stream.cross", () =>
    Effect.gen(function*() {
      const pulled = yield* Ref.make(0)
      const pairs = yield* Stream.runCollect(Aitertools.product(Stream.make("a", "b", "c"), counted([1, 2], pulled)))
      expect(Chunk.size(pairs)).toBe(6)
      expect(yield* Ref.get(pulled)).toBe(2)
    }))

  it.effect("pulls the second stream only as far as the pairs taken need", () =>
    Effect.gen(function*() {
      const pulled = yield* Ref.make(0)
      const first = yield* Stream.runCollect(
        Stream.take(Aitertools.product(Stream.make("a", "b"), counted([1, 2, 3], pulled)), 1)
      )
      expect(Chunk.toArray(first)).toEqual([["a", 1]])
      expect(yield* Ref.get(pulled)).toBe(1)
      const none = yield* Stream.runCollect(Aitertools.product(Stream.empty, counted([1, 2, 3], pulled)))
      expect(Chunk.size(none)).toBe(0)
      expect(yield* Ref.get(pulled)).toBe(1)
    }))

  it.effect("a failure of either stream ends the product with it", () =>
    Effect.gen(function*() {
      const second = yield* Effect.flip(
        Stream.runCollect(Aitertools.product(Stream.make("a"), Stream.concat(Stream.make(1), Stream.fail("no more"))))
      )
      expect(second).toBe("no more")
      const first = yield* Effect.flip(
        Stream.runCollect(Aitertools.product(Stream.concat(Stream.make("a"), Stream.fail("gone")), Stream.make(1)))
      )
      expect(first).toBe("gone")
    }))

  it.effect("any number of streams, the last varying fastest, as itertools.product", () =>
    Effect.gen(function*() {
      const triples = yield* Stream.runCollect(
        Aitertools.product(Stream.make("a", "b"), Stream.make(1, 2), Stream.make(true, false))
      )
      expect(Chunk.toArray(triples)).toEqual([
        ["a", 1, true],
        ["a", 1, false],
        ["a", 2, true],
        ["a", 2, false],
        ["b", 1, true],
        ["b", 1, false],
        ["b", 2, true],
        ["b", 2, false]
      ])
      expect(Chunk.toArray(yield* Stream.runCollect(Aitertools.product(Stream.make("a", "b"))))).toEqual([["a"], ["b"]])
      // No stream at all: one empty tuple, as itertools.product() yields ().
      expect(Chunk.toArray(yield* Stream.runCollect(Aitertools.product()))).toEqual([[]])
    }))

  it.effect("repeat: the product of the streams with themselves, each stream still pulled once", () =>
    Effect.gen(function*() {
      const pulled = yield* Ref.make(0)
      const squares = yield* Stream.runCollect(Aitertools.product(counted(["x", "y"], pulled), { repeat: 2 }))
      expect(Chunk.toArray(squares)).toEqual([["x", "x"], ["x", "y"], ["y", "x"], ["y", "y"]])
      expect(yield* Ref.get(pulled)).toBe(2)
      const pairs = yield* Stream.runCollect(Aitertools.product(Stream.make(0, 1), Stream.make("a"), { repeat: 2 }))
      expect(Chunk.toArray(pairs)).toEqual([[0, "a", 0, "a"], [0, "a", 1, "a"], [1, "a", 0, "a"], [1, "a", 1, "a"]])
      expect(Chunk.toArray(yield* Stream.runCollect(Aitertools.product(Stream.make(1), { repeat: 0 })))).toEqual([[]])
      expect(Chunk.toArray(yield* Stream.runCollect(Aitertools.product(Stream.make(1), { repeat: 1 })))).toEqual([[1]])
    }))

  it.effect("a repeat that is not an integer of at least 0 is a defect with IllegalArgumentException", () =>
    Effect.gen(function*() {
      for (const repeat of [-1, 1.5, NaN]) {
        const exit = yield* Effect.exit(Stream.runCollect(Aitertools.product(Stream.make(1), { repeat })))
        const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
        expect(Option.isSome(defect) && Cause.isIllegalArgumentException(defect.value)).toBe(true)
      }
    }))

  it.effect("every stream is pulled only as far as the tuples taken need", () =>
    Effect.gen(function*() {
      const counts = yield* Effect.all([Ref.make(0), Ref.make(0), Ref.make(0)])
      const [a, b, c] = counts.map((pulled, i) => counted([`${i}0`, `${i}1`, `${i}2`], pulled))
      const first = yield* Stream.runCollect(Stream.take(Aitertools.product(a, b, c), 2))
      expect(Chunk.toArray(first)).toEqual([["00", "10", "20"], ["00", "10", "21"]])
      expect(yield* Effect.all(counts.map(Ref.get))).toEqual([1, 1, 2])
      const repeated = yield* Ref.make(0)
      const one = yield* Stream.runCollect(
        Stream.take(Aitertools.product(counted([1, 2, 3], repeated), { repeat: 3 }), 1)
      )
      expect(Chunk.toArray(one)).toEqual([[1, 1, 1]])
      expect(yield* Ref.get(repeated)).toBe(1)
    }))
})
