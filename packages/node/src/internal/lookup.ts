/**
 * The two `GetAddrInfo` services of Node: the system resolver (`dns.lookup`, which is
 * `getaddrinfo` on libuv's thread pool) and DNS queries (`dns.Resolver`, which is c-ares).
 *
 * `dns.lookup` cannot be cancelled: an interrupted lookup finishes on the thread pool and its
 * answer is dropped. A c-ares query can, and is: each lookup gets a `dns.Resolver` of its own
 * so that `cancel()` stops exactly its queries.
 *
 * @internal
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Dns from "node:dns"
import type * as NodeGetAddrInfo from "../NodeGetAddrInfo.js"
import { sortAnswer } from "./sourceAddress.js"
import { codeOf, resolveMessage, truncated } from "./systemError.js"

type Service = GetAddrInfo.GetAddrInfo["Type"]

const resolveError = (
  source: "getaddrinfo" | "DNS query",
  host: string,
  family: AddrInfo.FamilyOption,
  cause: unknown
) =>
  new GetAddrInfo.ResolveError({
    host,
    family,
    code: codeOf(cause),
    message: resolveMessage(source, host, cause),
    cause
  })

/** The flags `dns.lookup` takes as `hints`. */
const HINT_FLAGS = Dns.ADDRCONFIG | Dns.V4MAPPED | Dns.ALL

const badHints = (hints: number) =>
  Number.isInteger(hints) && hints >= 0 && (hints | HINT_FLAGS) === HINT_FLAGS ?
    undefined :
    new Cause.IllegalArgumentException(
      `NodeGetAddrInfo.layer: hints must combine dns.ADDRCONFIG, dns.V4MAPPED and dns.ALL, got ${
        typeof hints === "number" ? hints : typeof hints
      }`
    )

/**
 * A host that the resolver would read otherwise than it is written (a NUL ends a C string, so
 * `"localhost\u0000.evil.example"` is looked up as `localhost`), or that no name can be, is a
 * `ResolveError` here, before any lookup: for callers of the service who skip the connect
 * functions' own check (`GetAddrInfo.validateHost`).
 */
const refused = (
  source: "getaddrinfo" | "DNS query",
  host: string,
  family: AddrInfo.FamilyOption
): GetAddrInfo.ResolveError | undefined => {
  const checked = GetAddrInfo.validateHost(host)
  return Either.isRight(checked) ? undefined : new GetAddrInfo.ResolveError({
    host,
    family,
    message: `${source} refused the host: ${checked.left.message}`,
    cause: checked.left
  })
}

/**
 * A `dns.lookup` answer as `AddrInfo`s. Each address keeps the family Node reports: a literal
 * of the other family asked for (`lookup("127.0.0.1", { family: 6 })` answers 127.0.0.1) is
 * left out.
 */
export const answered = (
  addresses: ReadonlyArray<{ readonly address: string; readonly family: number }>,
  family: 0 | 4 | 6,
  port: number
): Array<AddrInfo.AddrInfo> => {
  const result: Array<AddrInfo.AddrInfo> = []
  for (const { address, family: reported } of addresses) {
    if ((reported === 4 || reported === 6) && (family === 0 || family === reported)) {
      result.push({ family: reported, address, port })
    }
  }
  return result
}

/**
 * `dns.lookup` with `all` and the system's order (`verbatim`: RFC 6724 as getaddrinfo sorted
 * it). No `hints` unless the lookup is given some: like async_stagger's default flags of 0, and
 * unlike Node's own `net.connect`, which adds `ADDRCONFIG` and so hides IPv6 on hosts that
 * only have it on loopback. Hints that `dns.lookup` would reject are a defect naming them.
 */
export const system: Service = {
  lookup: (host, port, { family, hints = 0 }) =>
    Effect.async<ReadonlyArray<AddrInfo.AddrInfo>, GetAddrInfo.ResolveError>((resume) => {
      const badHost = refused("getaddrinfo", host, family)
      if (badHost !== undefined) return resume(Effect.fail(badHost))
      const bad = badHints(hints)
      if (bad !== undefined) return resume(Effect.die(bad))
      try {
        Dns.lookup(host, { all: true, family, hints, order: "verbatim" }, (cause, addresses) => {
          if (cause) return resume(Effect.fail(resolveError("getaddrinfo", host, family, cause)))
          resume(Effect.succeed(answered(addresses, family, port)))
        })
      } catch (cause) {
        resume(Effect.fail(resolveError("getaddrinfo", host, family, cause)))
      }
    })
}

const notBoolean = (name: string, value: unknown) =>
  value !== undefined && typeof value !== "boolean" ?
    `${name} must be true or false, got ${shownOption(value)}` :
    undefined

/** The longest `timeout` of `layerDns`: a try that waits longer than this is not waiting for DNS. */
const MAX_TIMEOUT = Duration.minutes(1)

/** The most `tries` of `layerDns`: c-ares doubles the timeout at each round of tries. */
const MAX_TRIES = 16

/** An option as a message shows it: at most 40 characters, as core's argument checks do. */
const shownOption = (input: unknown): string => {
  let text: string
  try {
    text = typeof input === "string" || Array.isArray(input) ? JSON.stringify(input) : String(input)
  } catch {
    text = typeof input
  }
  return truncated(text, 40)
}

/**
 * Every option, checked when the layer is built, so that a lookup never meets one that c-ares
 * would refuse (`new Resolver` throws a `RangeError` past an int32) or read otherwise (a
 * `timeout` of `NaN` or below 1 ms, an empty `servers`).
 */
const dnsOptions = (options: NodeGetAddrInfo.DnsOptions | undefined) => {
  const timeout = options?.timeout === undefined ? undefined : Duration.decodeUnknown(options.timeout)
  if (
    timeout !== undefined &&
    (timeout._tag === "None" || !Duration.greaterThan(timeout.value, Duration.zero) ||
      Duration.greaterThan(timeout.value, MAX_TIMEOUT))
  ) {
    return Either.left(
      `timeout must be a duration of more than 0 and at most 1 minute, got ${shownOption(options?.timeout)}`
    )
  }
  const tries = options?.tries
  if (tries !== undefined && !(Number.isInteger(tries) && tries >= 1 && tries <= MAX_TRIES)) {
    return Either.left(`tries must be an integer from 1 to ${MAX_TRIES}, got ${shownOption(tries)}`)
  }
  const notFlag = notBoolean("sort", options?.sort)
  if (notFlag !== undefined) return Either.left(notFlag)
  const servers = options?.servers
  if (servers !== undefined) {
    if (!Array.isArray(servers) || servers.length === 0) {
      return Either.left(
        `servers must be a non-empty array (leave it out for the system's), got ${shownOption(servers)}`
      )
    }
    for (const server of servers) {
      try {
        new Dns.Resolver().setServers([server])
      } catch {
        return Either.left(`servers: ${shownOption(server)} is not an IP address, optionally with a port`)
      }
    }
  }
  return Either.right({
    // c-ares counts whole milliseconds; -1 asks for its default.
    resolverOptions: {
      timeout: timeout === undefined ? -1 : Math.ceil(Duration.toMillis(timeout.value)),
      tries: tries ?? 4
    },
    servers,
    sort: options?.sort ?? true
  })
}

/**
 * DNS queries over c-ares. AAAA and A are separate queries, so that the concurrent resolver
 * sees each answer when it comes; `family: 0` runs both in parallel and joins them, IPv6
 * first. Unless `sort` is false, each lookup's answer is then sorted as a system
 * `getaddrinfo` sorts it (RFC 6724, `sourceAddress.ts`); with `family: 0`, both families
 * together, as getaddrinfo does. Bad options are a defect carrying `IllegalArgumentException`,
 * when the service is made.
 */
export const dns = (options: NodeGetAddrInfo.DnsOptions | undefined): Effect.Effect<Service> =>
  Either.match(dnsOptions(options), {
    onLeft: (message) => Effect.die(new Cause.IllegalArgumentException(`NodeGetAddrInfo.layerDns: ${message}`)),
    onRight: ({ resolverOptions, servers, sort }) => {
      const query = (host: string, port: number, family: AddrInfo.Family) =>
        Effect.async<ReadonlyArray<AddrInfo.AddrInfo>, GetAddrInfo.ResolveError>((resume) => {
          const resolver = new Dns.Resolver(resolverOptions)
          if (servers !== undefined) resolver.setServers(servers)
          const done = (cause: NodeJS.ErrnoException | null, addresses: ReadonlyArray<string>) =>
            resume(
              cause ?
                Effect.fail(resolveError("DNS query", host, family, cause)) :
                Effect.succeed(addresses.map((address) => ({ family, address, port })))
            )
          if (family === 6) resolver.resolve6(host, done)
          else resolver.resolve4(host, done)
          return Effect.sync(() => resolver.cancel())
        })

      const both = (host: string, port: number) =>
        Effect.flatMap(
          Effect.all([Effect.either(query(host, port, 6)), Effect.either(query(host, port, 4))], {
            concurrency: 2
          }),
          ([v6, v4]) => {
            if (Either.isLeft(v6) && Either.isLeft(v4)) {
              return Effect.fail(GetAddrInfo.combineResolveErrors(host, [v6.left, v4.left]))
            }
            return Effect.succeed([...Either.getOrElse(v6, () => []), ...Either.getOrElse(v4, () => [])])
          }
        )

      return Effect.succeed<Service>({
        lookup: (host, port, { family }) => {
          // An IP literal answers itself, as getaddrinfo would; DNS has no record for it.
          const literal = AddrInfo.fromLiteral(host, port)
          if (literal !== undefined) {
            return Effect.succeed(family === 0 || family === literal.family ? [literal] : [])
          }
          const bad = refused("DNS query", host, family)
          if (bad !== undefined) return Effect.fail(bad)
          const answer = family === 0 ? both(host, port) : query(host, port, family)
          return sort ? Effect.flatMap(answer, sortAnswer) : answer
        }
      })
    }
  })
