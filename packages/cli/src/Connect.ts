/**
 * `stagger connect HOST PORT`: one Happy Eyeballs connect, told as a timeline.
 *
 * Every option of `NodeHappyEyeballs.createConnectedSock` that a command line can give has a
 * flag (not `resolver`, `onEvent` or `raiseExcGroup`). The race is printed as it happens
 * (`Timeline`), then one summary line; with `--json`, one JSON object at the end (`Json`). The
 * connection is closed as soon as it is made: the command shows how a connect goes, it does
 * not use it.
 *
 * @since 0.1.0
 */
import * as AddrInfo from "@effect-stagger/core/AddrInfo"
import type * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as HappyEyeballs from "@effect-stagger/core/HappyEyeballs"
import * as Resolver from "@effect-stagger/core/Resolver"
import * as NodeGetAddrInfo from "@effect-stagger/node/NodeGetAddrInfo"
import type * as NodeHappyEyeballs from "@effect-stagger/node/NodeHappyEyeballs"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Tls from "node:tls"
import { ExitCode, Failed, UsageError } from "./internal/exit.js"
import * as parse from "./internal/options.js"
import * as race from "./internal/race.js"

const defaultDelay = Duration.toMillis(Duration.decode(HappyEyeballs.CONNECTION_ATTEMPT_DELAY))
const defaultResolutionDelay = Duration.toMillis(Duration.decode(Resolver.RESOLUTION_DELAY))

/** `node:dns`'s default number of tries, which `NodeGetAddrInfo.layerDns` keeps. */
const defaultDnsTries = 4

/**
 * How long `connect` waits for a connection, in ms, unless `--timeout` says otherwise: long
 * enough for a slow network and for the kernel to give up on a hung attempt's SYNs (about
 * 130 s on Linux is not a wait a user sits through), short enough that a command line does not
 * look hung.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_TIMEOUT = 30_000

const millisOption = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withPseudoName("MS"),
    Options.withDescription(description),
    Options.mapEffect(parse.check((text) => parse.millis(`--${name}`, text))),
    Options.optional
  )

/**
 * The options of `connect`, as `@effect/cli` parses them.
 *
 * @since 0.1.0
 * @category options
 */
export const options = {
  delay: Options.text("delay").pipe(
    Options.withPseudoName("MS|none"),
    Options.withDescription(`Connection Attempt Delay, or none (default ${defaultDelay})`),
    Options.mapEffect(parse.check(parse.delay)),
    Options.optional
  ),
  resolutionDelay: millisOption(
    "resolution-delay",
    `How long IPv4 answers wait for IPv6 (default ${defaultResolutionDelay})`
  ),
  family: Options.text("family").pipe(
    Options.withPseudoName("0|4|6"),
    Options.withDescription("0: both families, 4 or 6: one only (default 0)"),
    Options.mapEffect(parse.check(parse.family)),
    Options.optional
  ),
  ipv4: Options.boolean("ipv4").pipe(Options.withAlias("4"), Options.withDescription("Same as --family 4")),
  ipv6: Options.boolean("ipv6").pipe(Options.withAlias("6"), Options.withDescription("Same as --family 6")),
  firstFamilyCount: Options.text("first-family-count").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("Addresses of the first family up front (default 1)"),
    Options.mapEffect(parse.check((text) => parse.count("--first-family-count", text))),
    Options.optional
  ),
  local: Options.text("local").pipe(
    Options.withPseudoName("ADDR"),
    Options.withDescription("Local address[:port] to bind (repeatable)"),
    Options.repeated,
    Options.optional,
    Options.mapEffect((texts) => Effect.forEach(Option.getOrElse(texts, () => []), parse.check(parse.localAddress)))
  ),
  resolver: Options.text("resolver").pipe(
    Options.withPseudoName("system|dns"),
    Options.withDescription("system (getaddrinfo) or dns (default system)"),
    Options.mapEffect(parse.check((text) =>
      text === "system" || text === "dns" ?
        Either.right(text) :
        Either.left(`--resolver: expected 'system' or 'dns', got ${parse.quoted(text)}`)
    )),
    Options.optional
  ),
  dnsServer: Options.text("dns-server").pipe(
    Options.withPseudoName("ADDR"),
    Options.withDescription("DNS server to query (repeatable; implies dns)"),
    Options.repeated,
    Options.optional,
    Options.mapEffect((texts) => Effect.forEach(Option.getOrElse(texts, () => []), parse.check(parse.dnsServer)))
  ),
  dnsTimeout: Options.text("dns-timeout").pipe(
    Options.withPseudoName("MS"),
    Options.withDescription("DNS: how long each try waits (default c-ares's)"),
    Options.mapEffect(parse.check((text) => parse.millis("--dns-timeout", text, parse.MAX_INT32))),
    Options.optional
  ),
  dnsTries: Options.text("dns-tries").pipe(
    Options.withPseudoName("N"),
    Options.withDescription(`DNS: tries per server (default ${defaultDnsTries})`),
    Options.mapEffect(parse.check((text) => parse.count("--dns-tries", text, parse.MAX_INT32))),
    Options.optional
  ),
  tls: Options.boolean("tls").pipe(Options.withDescription("Connect with TLS")),
  servername: Options.text("servername").pipe(
    Options.withPseudoName("NAME"),
    Options.withDescription("TLS server name, when not HOST (implies --tls)"),
    Options.optional
  ),
  insecure: Options.boolean("insecure").pipe(
    Options.withDescription("Do not verify the certificate (implies --tls)")
  ),
  handshakeInAttempt: Options.boolean("handshake-in-attempt").pipe(
    Options.withDescription("TLS handshake inside each attempt (implies --tls)")
  ),
  timeout: Options.text("timeout").pipe(
    Options.withPseudoName("MS|none"),
    Options.withDescription(`Give up after this long, or none (default ${DEFAULT_TIMEOUT})`),
    Options.mapEffect(parse.check((text) => parse.millisOrNone("--timeout", text))),
    Options.withDefault(DEFAULT_TIMEOUT)
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription("Print one JSON object instead of the timeline")
  )
}

/**
 * The arguments of `connect`.
 *
 * @since 0.1.0
 * @category options
 */
export const args = {
  host: Args.text({ name: "HOST" }).pipe(
    Args.withDescription("Host name or IP address"),
    Args.mapEffect(parse.checkArg(parse.host))
  ),
  port: Args.text({ name: "PORT" }).pipe(
    Args.withDescription("TCP port, 1 to 65535"),
    Args.mapEffect(parse.checkArg(parse.port))
  )
}

/**
 * A parsed `connect` command line.
 *
 * @since 0.1.0
 * @category models
 */
export type Config = Command.Command.ParseConfig<typeof options & typeof args>

/** The family asked for, by `--family` or one of its shorthands, never two of them. */
const familyOf = (config: Config) => {
  const given = [
    ...Option.toArray(config.family),
    ...(config.ipv4 ? [4 as const] : []),
    ...(config.ipv6 ? [6 as const] : [])
  ]
  return given.length <= 1 ?
    Effect.succeed(given[0] ?? 0) :
    Effect.fail(new UsageError({ message: "give at most one of --family, -4 (--ipv4) and -6 (--ipv6)" }))
}

const tlsOf = (config: Config): true | Tls.ConnectionOptions | undefined => {
  const options: Tls.ConnectionOptions = {
    ...Option.match(config.servername, { onNone: () => ({}), onSome: (servername) => ({ servername }) }),
    ...(config.insecure ? { rejectUnauthorized: false } : {})
  }
  const wanted = config.tls || config.handshakeInAttempt || Object.keys(options).length > 0
  return !wanted ? undefined : Object.keys(options).length === 0 ? true : options
}

/** The DNS resolver's options given, by flag: each implies `--resolver dns`. */
const dnsFlagsOf = (config: Config): ReadonlyArray<string> => [
  ...(config.dnsServer.length > 0 ? ["--dns-server"] : []),
  ...(Option.isSome(config.dnsTimeout) ? ["--dns-timeout"] : []),
  ...(Option.isSome(config.dnsTries) ? ["--dns-tries"] : [])
]

const resolverKindOf = (config: Config) =>
  Option.getOrElse(config.resolver, () => dnsFlagsOf(config).length > 0 ? "dns" : "system")

/** The DNS flags imply the DNS resolver; asking for the system one as well is a mistake. */
const resolverOf = (config: Config): Effect.Effect<Layer.Layer<GetAddrInfo.GetAddrInfo>, UsageError> => {
  const [dnsFlag] = dnsFlagsOf(config)
  if (resolverKindOf(config) === "system") {
    return dnsFlag === undefined ?
      Effect.succeed(NodeGetAddrInfo.layer) :
      Effect.fail(new UsageError({ message: `${dnsFlag} needs --resolver dns (or no --resolver)` }))
  }
  return Effect.succeed(NodeGetAddrInfo.layerDns({
    ...(config.dnsServer.length > 0 ? { servers: config.dnsServer } : {}),
    ...Option.match(config.dnsTimeout, { onNone: () => ({}), onSome: (ms) => ({ timeout: Duration.millis(ms) }) }),
    ...Option.match(config.dnsTries, { onNone: () => ({}), onSome: (tries) => ({ tries }) })
  }))
}

/** The first line, before the race: what is being tried and with which settings. */
const describe = (config: Config, family: 0 | 4 | 6, delay: number | null, tls: boolean, resolver: string) =>
  [
    `* connecting to ${AddrInfo.formatHostPort(config.host, config.port)}`,
    family === 0 ? "both families" : `IPv${family} only`,
    delay === null ? "one attempt at a time" : `delay ${delay} ms`,
    `resolution delay ${Option.getOrElse(config.resolutionDelay, () => defaultResolutionDelay)} ms`,
    `${resolver} resolver`,
    ...(tls ? ["TLS"] : [])
  ].join(", ")

/**
 * Runs `connect` for a parsed command line: prints the race and fails with the exit code
 * when no connection was made.
 *
 * @since 0.1.0
 * @category handlers
 */
export const connect = (config: Config): Effect.Effect<void, UsageError | Failed> =>
  Effect.gen(function*() {
    const family = yield* familyOf(config)
    const layer = yield* resolverOf(config)
    const delay = Option.getOrElse(config.delay, () => defaultDelay)
    const tls = tlsOf(config)
    const options: race.Race["options"] = {
      family,
      delay: delay === null ? null : Duration.millis(delay),
      ...(config.local.length > 0 ? { localAddrs: config.local } : {}),
      ...Option.match(config.resolutionDelay, {
        onNone: () => ({}),
        onSome: (ms) => ({ resolutionDelay: Duration.millis(ms) })
      }),
      ...Option.match(config.firstFamilyCount, { onNone: () => ({}), onSome: (n) => ({ firstAddressFamilyCount: n }) }),
      ...(tls === undefined ? {} : { tls, handshakeInAttempt: config.handshakeInAttempt })
    } satisfies NodeHappyEyeballs.ConnectOptions
    // Built before the first line, so that options the layer refuses are reported before it.
    const resolver = yield* Layer.build(layer)
    if (!config.json) {
      yield* Console.log(describe(config, family, delay, tls !== undefined, resolverKindOf(config)))
    }
    const outcome = yield* race.run({
      host: config.host,
      port: config.port,
      options,
      delay,
      timeout: config.timeout ?? undefined,
      json: config.json
    }).pipe(Effect.scoped, Effect.provide(resolver))
    if (outcome.winner === undefined) return yield* new Failed({ code: ExitCode.failed })
  }).pipe(Effect.scoped)

/**
 * The `connect` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("connect", { ...options, ...args }, connect).pipe(
  Command.withDescription("Connect to HOST PORT and print the race")
)
