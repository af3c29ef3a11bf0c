import { Aitertools } from "@effect-stagger/core"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

/** A stream of `values` that counts the elements it has produced in `pulled`. */
const counted = <A>(values: ReadonlyArray<A>, pulled: Ref.Ref<number>) =>
  Stream.tap(Stream.fromIterable(values), () => Ref.update(pulled, (n) => n + 1))

describe("Aitertools.product", () => {
  it.effect("pairs each element of the first with every element of the second, in the seed's order", () =>
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
})
