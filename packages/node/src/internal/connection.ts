/**
 * A connected socket as async_stagger's `(reader, writer)` pair: a pull-based `Stream` of the bytes
 * received and effects that write and half-close.
 *
 * The reader reads in Node's paused mode: a chunk is taken from the socket's buffer only when
 * the stream is pulled, and when the buffer is empty the pull waits for `readable`. So nothing
 * is read before the caller asks, a slow consumer holds the peer back through TCP flow control,
 * and a stream that stops early (`Stream.take`) leaves the rest in the socket for the next run,
 * as asyncio's `StreamReader` does.
 *
 * @internal
 */
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Net from "node:net"

const readError = (cause: unknown) => new Socket.SocketGenericError({ reason: "Read", cause })
const writeError = (cause: unknown) => new Socket.SocketGenericError({ reason: "Write", cause })

/** One chunk, `None` at the end of the stream: the peer's FIN, or the socket closed. */
const readChunk = (socket: Net.Socket): Effect.Effect<Uint8Array, Option.Option<Socket.SocketError>> =>
  Effect.suspend(() => {
    const chunk: Uint8Array | null = socket.read()
    if (chunk !== null) return Effect.succeed(chunk)
    if (socket.errored !== null) return Effect.fail(Option.some(readError(socket.errored)))
    if (socket.readableEnded || socket.destroyed) return Effect.fail(Option.none())
    // `read()` returned null, so Node emits `readable` when data or the end arrives.
    return Effect.async<Uint8Array, Option.Option<Socket.SocketError>>((resume) => {
      const retry = () => {
        cleanup()
        resume(readChunk(socket))
      }
      const cleanup = () => {
        socket.off("readable", retry)
        socket.off("end", retry)
        socket.off("close", retry)
        socket.off("error", retry)
      }
      socket.on("readable", retry)
      socket.on("end", retry)
      socket.on("close", retry)
      socket.on("error", retry)
      return Effect.sync(cleanup)
    })
  })

/** @internal */
export const reader = (socket: Net.Socket): Stream.Stream<Uint8Array, Socket.SocketError> =>
  Stream.repeatEffectOption(readChunk(socket))

/**
 * Writes one chunk and waits until Node has handed it to the kernel (the write callback),
 * which is the backpressure of asyncio's `write` followed by `drain`. A chunk of another type,
 * which Node's `write` would throw on, is a bad argument.
 */
export const write =
  (socket: Net.Socket) =>
  (chunk: Uint8Array | string): Effect.Effect<void, Socket.SocketError | Cause.IllegalArgumentException> =>
    typeof chunk !== "string" && !(chunk instanceof Uint8Array) ?
      Effect.fail(
        new Cause.IllegalArgumentException(`write: a chunk must be a string or a Uint8Array, got ${typeof chunk}`)
      ) :
      Effect.async<void, Socket.SocketError>((resume) => {
        socket.write(chunk, (cause) => resume(cause ? Effect.fail(writeError(cause)) : Effect.void))
      })

/** What Node's own `write` fails with on a destroyed socket, for `end` to fail alike. */
const destroyedError = () =>
  Object.assign(new Error("Cannot call end after a stream was destroyed"), { code: "ERR_STREAM_DESTROYED" })

/**
 * Half-closes: sends FIN once everything written has been flushed; reading goes on. Once
 * ended, it completes again at once. On a socket destroyed before it was ended (by its scope,
 * or by hand), Node's `end` would never call back, so it fails here as `write` does.
 */
export const end = (socket: Net.Socket): Effect.Effect<void, Socket.SocketError> =>
  Effect.async<void, Socket.SocketError>((resume) => {
    if (socket.writableEnded) return resume(Effect.void)
    if (socket.destroyed) return resume(Effect.fail(writeError(destroyedError())))
    socket.end((cause?: unknown) => resume(cause ? Effect.fail(writeError(cause)) : Effect.void))
  })
