/**
 * Parsers for the values of the command line: milliseconds, families, addresses, ports.
 *
 * Each failure names the option and the value it got, so that `stagger connect --delay abc`
 * says what is wrong with what, in the words of the option (Effect's own parsers say
 * `'abc' is not a float` without saying which option).
 *
 * @internal
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

const fromEither = <A>(result: Either.Either<A, string>): Effect.Effect<A, ValidationError.ValidationError> =>
  Either.match(result, { onLeft: (message) => Effect.fail(invalid(message)), onRight: Effect.succeed })

/** A value in a message, quoted, and cut short when long: a message never echoes a huge input. */
export const quoted = (text: string, max = 24): string =>
  `'${text.length > max ? `${text.slice(0, max)}...' (${text.length} characters)` : `${text}'`}`

/** `from` to `max`, or the words for no upper bound. */
const range = (from: number, max: number, unbounded: string) =>
  max === Number.MAX_SAFE_INTEGER ? unbounded : `${from === 0 ? "0 to" : `from ${from} to`} ${max}`

const MILLIS = /^\d+(\.\d+)?$/

/** The largest value `node:dns` takes for a timeout in ms or a number of tries (an int32). */
export const MAX_INT32 = 2 ** 31 - 1

/** A number of milliseconds, at least 0 and at most `max`: `250`, `12.5`. */
export const millis = (option: string, text: string, max = Number.MAX_SAFE_INTEGER): Either.Either<number, string> =>
  MILLIS.test(text) && Number(text) <= max ?
    Either.right(Number(text)) :
    Either.left(`${option}: expected a number of milliseconds (${range(0, max, "0 or more")}), got ${quoted(text)}`)

/** Milliseconds, or `none` for no limit (`null`). */
export const millisOrNone = (option: string, text: string): Either.Either<number | null, string> =>
  text === "none" ?
    Either.right(null) :
    Either.mapLeft(millis(option, text), () =>
      `${option}: expected milliseconds (0 or more) or 'none', got ${quoted(text)}`)

/** The Connection Attempt Delay: milliseconds, or `none` for one attempt at a time. */
export const delay = (text: string): Either.Either<number | null, string> => millisOrNone("--delay", text)

export const family = (text: string): Either.Either<0 | 4 | 6, string> =>
  text === "0" ? Either.right(0) : text === "4" ? Either.right(4) : text === "6" ?
    Either.right(6) :
    Either.left(`--family: expected 0 (both), 4 or 6, got ${quoted(text)}`)

/** A count of at least 1 and at most `max`. */
export const count = (option: string, text: string, max = Number.MAX_SAFE_INTEGER): Either.Either<number, string> =>
  /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= max ?
    Either.right(Number(text)) :
    Either.left(`${option}: expected a whole number ${range(1, max, "of at least 1")}, got ${quoted(text)}`)

/** `HOST`: not empty; an IPv6 literal may be bracketed, as in a URL (the brackets are not part of it). */
export const host = (text: string): Either.Either<string, string> => {
  if (text.trim() === "") return Either.left(`HOST: expected a host name or an IP address, got ${quoted(text)}`)
  const inner = text.slice(1, -1)
  return Either.right(text.startsWith("[") && text.endsWith("]") && AddrInfo.isIPv6(inner) ? inner : text)
}

export const port = (text: string): Either.Either<number, string> =>
  /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 65535 ?
    Either.right(Number(text)) :
    Either.left(`PORT: expected a port number from 1 to 65535, got ${quoted(text)}`)

/**
 * An IP literal with an optional port: `192.0.2.1`, `192.0.2.1:5000`, `2001:db8::1`,
 * `[2001:db8::1]:5000`, `fe80::1%eth0`. A bare IPv6 literal has no port (its colons are its
 * own).
 */
export const endpoint = (
  option: string,
  text: string
): Either.Either<{ readonly address: string; readonly port: number | undefined }, string> => {
  const bad = Either.left(
    `${option}: expected an IP address, optionally with a port ([::1]:53), got ${quoted(text)}`
  )
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  const v4 = /^([\d.]+):(\d+)$/.exec(text)
  const [address, portText] = bracketed !== null ?
    [bracketed[1], bracketed[2]] :
    v4 !== null ?
    [v4[1], v4[2]] :
    [text, undefined]
  if (AddrInfo.ipFamily(address) === 0) return bad
  if (bracketed !== null && AddrInfo.ipFamily(address) !== 6) return bad
  if (portText === undefined) return Either.right({ address, port: undefined })
  const port = Number(portText)
  return port <= 65535 ? Either.right({ address, port }) : bad
}

/** `--local`: a local address to bind, with an optional port. */
export const localAddress = (text: string): Either.Either<AddrInfo.LocalAddress, string> =>
  Either.map(
    endpoint("--local", text),
    ({ address, port }) => port === undefined || port === 0 ? { address } : { address, port }
  )

/**
 * `--dns-server`: a server as `dns.setServers` takes it, checked here rather than there (it
 * aborts the whole process on a port of 0, and names no option when it throws).
 */
export const dnsServer = (text: string): Either.Either<string, string> =>
  Either.flatMap(
    endpoint("--dns-server", text),
    ({ port }) =>
      port === 0 ?
        Either.left(`--dns-server: expected a port from 1 to 65535, got ${quoted(text)}`) :
        Either.right(text)
  )

/**
 * The names of `NodeHappyEyeballs.createConnectedSock`'s and `NodeGetAddrInfo.layerDns`'s
 * options, by the flag that sets each: a value that only the library refuses is reported in
 * the words of the command line.
 */
const flagOfOption: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bfirstAddressFamilyCount\b/g, "--first-family-count"],
  [/\bresolutionDelay\b/g, "--resolution-delay"],
  [/\blocalAddrs\b/g, "--local"],
  [/^delay\b/, "--delay"],
  [/^family\b/, "--family"],
  [/^NodeGetAddrInfo\.layerDns: servers\b/, "--dns-server"],
  [/^NodeGetAddrInfo\.layerDns: timeout\b/, "--dns-timeout"],
  [/^NodeGetAddrInfo\.layerDns: tries\b/, "--dns-tries"]
]

/** A message of the library about one of its options, naming the flag instead. */
export const inFlags = (message: string): string =>
  flagOfOption.reduce((text, [name, flag]) => text.replace(name, flag), message)

/** A parser as `Options.mapEffect` wants it. */
export const check = <A>(parse: (text: string) => Either.Either<A, string>) => (text: string) => fromEither(parse(text))

/** A parser as `Args.mapEffect` wants it. */
export const checkArg = <A>(parse: (text: string) => Either.Either<A, string>) => (text: string) =>
  Either.match(parse(text), {
    onLeft: (message) => Effect.fail(HelpDoc.p(message)),
    onRight: Effect.succeed
  })
