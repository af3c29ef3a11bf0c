/**
 * Watches sockets as they are destroyed while an effect runs.
 */
import * as Effect from "effect/Effect"
import * as Net from "node:net"

/**
 * Runs `self` and gives what `seen` says of each `net.Socket` destroyed meanwhile, read just
 * before it is destroyed, in order; sockets for which it says `undefined` are left out.
 */
export const destroyedDuring = <A, E, R, T>(
  self: Effect.Effect<A, E, R>,
  seen: (socket: Net.Socket) => T | undefined
): Effect.Effect<readonly [A, ReadonlyArray<T>], E, R> =>
  Effect.suspend(() => {
    const destroyed: Array<T> = []
    const destroy = Net.Socket.prototype.destroy
    Net.Socket.prototype.destroy = function(this: Net.Socket, error?: Error) {
      const noted = seen(this)
      if (noted !== undefined) destroyed.push(noted)
      return destroy.call(this, error)
    }
    return Effect.map(
      Effect.ensuring(
        self,
        Effect.sync(() => {
          Net.Socket.prototype.destroy = destroy
        })
      ),
      (a) => [a, destroyed] as const
    )
  })
