/**
 * Watches sockets as they are destroyed while an effect runs: any `net.Socket`, or the
 * warm-up's rehearsal sockets (those whose `connect` the rehearsal made its own, in memory).
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

/**
 * Runs `self` and tells, for each rehearsal socket destroyed meanwhile, whether it had a peer
 * (a real connection). Sockets of earlier tests may close meanwhile; they are not rehearsal
 * sockets and are not counted.
 */
export const rehearsalSockets = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<readonly [A, ReadonlyArray<boolean>], E, R> =>
  destroyedDuring(self, (socket) => Object.hasOwn(socket, "connect") ? socket.remoteAddress !== undefined : undefined)
