/**
 * TLS session reuse for the connector and agents, as undici's connector and Node's
 * `https.Agent` do it: the last session of each key, at most `capacity` keys (least recently
 * stored dropped first; default 100, both clients' default), given to the next handshake of
 * that key. A connection that closes with an error drops its key's session, as `https.Agent`
 * does.
 *
 * @internal
 */
import type * as Tls from "node:tls"

export interface SessionCache {
  readonly get: (key: string) => Buffer | undefined
  /** Listens to `socket` for its sessions, stored under `key`. */
  readonly track: (key: string, socket: Tls.TLSSocket) => void
}

const none: SessionCache = { get: () => undefined, track: () => {} }

export const make = (capacity = 100): SessionCache => {
  if (capacity === 0) return none
  const sessions = new Map<string, Buffer>()
  return {
    get: (key) => sessions.get(key),
    track: (key, socket) => {
      socket.on("session", (session: Buffer) => {
        sessions.delete(key)
        if (sessions.size >= capacity) {
          const oldest = sessions.keys().next()
          if (oldest.done !== true) sessions.delete(oldest.value)
        }
        sessions.set(key, session)
      })
      socket.once("close", (hadError: boolean) => {
        if (hadError) sessions.delete(key)
      })
    }
  }
}
