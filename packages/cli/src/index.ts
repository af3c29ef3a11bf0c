/**
 * stagger: watch a Happy Eyeballs race, connect by connect
 *
 * @since 0.1.0
 */

/**
 * The `stagger` command: `connect` and `demo` under one root, and the one place where a
 * command line becomes an exit code.
 *
 * `run` never fails: every way a command can end is printed (a timeline, a failure report, a
 * message and the usage) and mapped to an exit code (`ExitCode`). Only `bin.ts` runs it.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

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
export * as Connect from "./Connect.js"

/**
 * `stagger demo`: a Happy Eyeballs race you can watch, offline, in a fraction of a second.
 *
 * It sets a stage on loopback (see `internal/fixtures.ts`): a port where nothing listens on
 * `::1` (refused at once), a listener on `127.0.0.2` whose accept queue is full (its SYNs are
 * dropped, so the attempt hangs), and an echo server on `127.0.0.3`. Only the resolver is
 * scripted, as a `GetAddrInfo` layer: `demo.stagger.test` answers IPv4 at once and IPv6 a
 * little later. The connect itself is the real `NodeHappyEyeballs.createConnectedSock`, so
 * the timeline shows each rule of RFC 8305 at work: the Resolution Delay holding IPv4 back
 * for the IPv6 answer, a refused attempt starting the next one at once, the Connection
 * Attempt Delay starting the next one beside a hung attempt, and the loser cancelled.
 *
 * @since 0.1.0
 */
export * as Demo from "./Demo.js"

/**
 * A connect as one JSON object, for `stagger connect --json`.
 *
 * One object rather than a line per event (NDJSON): the output is a record of a connect that
 * has ended, read by a program after the fact (`jq '.events[] | select(._tag == "AttemptFailed")'`),
 * and a single object also carries the outcome (`connected`, `winner`, `ms`, `error`) beside
 * the events. Events keep the field names of `Trace.Event` (`_tag`, `at`, `index`, `remote`,
 * `local`, `reason`, ...); an error becomes `{ _tag, message, code }`; an absent value is `null`.
 *
 * @since 0.1.0
 */
export * as Json from "./Json.js"
