/**
 * Watches the warm-up's rehearsal sockets: `net.Socket`s whose `connect` the rehearsal made
 * its own (in memory), seen as they are destroyed while an effect runs.
 */
import * as Effect from "effect/Effect"
import * as Net from "node:net"

/**
 * Runs `self` and tells, for each rehearsal socket destroyed meanwhile, whether it had a peer
 * (a real connection). Sockets of earlier tests may close meanwhile; they are not rehearsal
 * sockets and are not counted.
 */
export const rehearsalSockets = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<readonly [A, ReadonlyArray<boolean>], E, R> =>
  Effect.suspend(() => {
    const destroyed: Array<boolean> = []
    const destroy = Net.Socket.prototype.destroy
    Net.Socket.prototype.destroy = function(this: Net.Socket, error?: Error) {
      if (Object.hasOwn(this, "connect")) destroyed.push(this.remoteAddress !== undefined)
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
