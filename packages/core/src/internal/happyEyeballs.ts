/**
 * The connect algorithm over an abstract dialer (the seed's `create_connected_sock`).
 *
 * Problem: a host has several addresses and some paths are broken or slow, often a whole
 * family (IPv6 that is configured but black-holed). Trying them in turn waits out every
 * broken one; Node's built-in closes each attempt after 250 ms instead of letting it finish.
 *
 * Approach (RFC 8305 sections 3 to 5): stream the addresses from the resolver as they are
 * answered, pair each with the local addresses of its family, and run a staggered race over
 * the pairs. Each attempt's resources live in a scope of their own: a loser's is closed the
 * moment it loses, the winner's moves to the caller's scope. All scopes are in one cleanup
 * set so that no connection outlives the connect unless it won and was returned.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { LocalAddress } from "../AddrInfo.js"
import { ConnectError } from "../ConnectError.js"
import { ResolveError } from "../GetAddrInfo.js"
import type * as GetAddrInfo from "../GetAddrInfo.js"
import type * as HappyEyeballs from "../HappyEyeballs.js"
import * as attempt from "./attempt.js"
import * as connectRace from "./connectRace.js"
import * as ip from "./ip.js"
import * as spans from "./span.js"
import * as stagger from "./stagger.js"
import * as trace from "./trace.js"
import * as validate from "./validate.js"

/** RFC 8305 section 5: "A simple implementation can have a fixed delay ... 250 ms". */
export const CONNECTION_ATTEMPT_DELAY = "250 millis"

type Checked = Either.Either<connectRace.Arguments, Cause.IllegalArgumentException | ResolveError>

/**
 * Every argument, checked before any I/O; pure, so that a connect to an IP literal costs no
 * more than it must. Local addresses given as an Iterable are checked here; a Stream's, as
 * they arrive.
 */
const checkArguments = <C, E, R>(options: HappyEyeballs.ConnectOptions<C, E, R>): Checked => {
  const host = validate.host(options.host)
  if (Either.isLeft(host)) return Either.left(host.left)
  const port = validate.port(options.port)
  if (Either.isLeft(port)) return Either.left(port.left)
  const family = validate.family(options.family)
  if (Either.isLeft(family)) return Either.left(family.left)
  const delay = validate.delay("delay", options.delay, CONNECTION_ATTEMPT_DELAY)
  if (Either.isLeft(delay)) return Either.left(delay.left)
  let locals: ReadonlyArray<LocalAddress> | Stream.Stream<LocalAddress> | undefined = undefined
  if (options.localAddrs !== undefined && stagger.isStream(options.localAddrs)) {
    locals = options.localAddrs as Stream.Stream<LocalAddress>
  } else if (options.localAddrs !== undefined) {
    const checked: Array<LocalAddress> = []
    for (const local of options.localAddrs as Iterable<LocalAddress>) {
      const one = validate.localAddress(local)
      if (Either.isLeft(one)) return Either.left(one.left)
      checked.push(one.right)
    }
    locals = checked
  }
  // An IP literal skips resolution, as getaddrinfo would answer it with itself; asking for
  // the other family is the resolution failure getaddrinfo would report.
  const literal = ip.ipFamily(host.right)
  if (literal !== 0 && family.right !== 0 && family.right !== literal) {
    return Either.left(
      new ResolveError({
        host: host.right,
        family: family.right,
        message: `${host.right} is an IPv${literal} address, but family ${family.right} was asked for`
      })
    )
  }
  return Either.right({
    host: host.right,
    port: port.right,
    family: family.right,
    delay: delay.right,
    locals,
    literal: literal === 0 ? undefined : { family: literal, address: host.right, port: port.right }
  })
}

/**
 * The hot path: an IP literal with at most one local address of its family is one attempt,
 * with no resolver, no race and, unless someone listens, no trace. Its scope is a child of the
 * caller's, closed at once if the attempt fails. `span` is the connect's: with nobody
 * listening it is the dial's own (one change of the context for the span and the scope);
 * otherwise it is around the whole connect, so that the listener's effects run in it.
 */
const direct = <C, E, R>(
  options: HappyEyeballs.ConnectOptions<C, E, R>,
  args: connectRace.Arguments & { readonly literal: NonNullable<connectRace.Arguments["literal"]> },
  local: LocalAddress | undefined,
  span: spans.Span
): Effect.Effect<C, E, R | Scope.Scope> => {
  const connect = (recorder: trace.Recorder, dialSpan: spans.Span | undefined) =>
    Effect.flatMap(Effect.scope, (caller) =>
      attempt.make(
        options.dial,
        recorder,
        attempt.unrecorded(Scope.fork(caller, ExecutionStrategy.sequential)),
        args.literal,
        local,
        0,
        dialSpan
      ).pipe(
        Effect.tap(() => recorder.emit((at) => trace.Connected({ at, index: 0, remote: args.literal, local }))),
        Effect.map((connected) => connected.connection)
      ))
  return options.onEvent === undefined ?
    connect(trace.silent, span) :
    spans.inSpan(
      Effect.flatMap(trace.makeRecorder(options.onEvent), (recorder) => connect(recorder, undefined)),
      span
    )
}

const spanAttributes = (args: connectRace.Arguments) => ({ "stagger.host": args.host, "stagger.port": args.port })

export const connectWith = <C, E, R>(
  options: HappyEyeballs.ConnectOptions<C, E, R>
): Effect.Effect<
  C,
  E | GetAddrInfo.ResolveError | ConnectError | Cause.IllegalArgumentException,
  R | GetAddrInfo.GetAddrInfo | Scope.Scope
> =>
  Effect.suspend((): Effect.Effect<
    C,
    E | GetAddrInfo.ResolveError | ConnectError | Cause.IllegalArgumentException,
    R | GetAddrInfo.GetAddrInfo | Scope.Scope
  > => {
    const checked = checkArguments(options)
    if (Either.isLeft(checked)) return Effect.fail(checked.left)
    const args = checked.right
    const { literal, locals } = args
    if (literal !== undefined && (locals === undefined || Array.isArray(locals))) {
      const matching = locals === undefined ? [undefined] : locals.filter((l) => connectRace.sameFamily(literal, l))
      if (matching.length === 0) {
        return new ConnectError({
          host: args.host,
          port: args.port,
          errors: [],
          message: connectRace.noAttemptMessage(args.host, args.port, 1),
          trace: []
        })
      }
      if (matching.length === 1) {
        return direct(options, { ...args, literal }, matching[0], {
          name: "stagger.connect",
          attributes: { ...spanAttributes(args), ...attempt.spanAttributes(literal, matching[0], 0) }
        })
      }
    }
    return spans.inSpan(connectRace.connect(options, args), {
      name: "stagger.connect",
      attributes: spanAttributes(args)
    })
  })
