/**
 * The `stagger` command: `connect` and `demo` under one root, and the one place where a
 * command line becomes an exit code.
 *
 * `run` never fails: every way a command can end is printed (a timeline, a failure report, a
 * message and the usage) and mapped to an exit code (`ExitCode`). Only `bin.ts` runs it.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Usage from "@effect/cli/Usage"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Doc from "@effect/printer/Doc"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Connect from "./Connect.js"
import * as Demo from "./Demo.js"
import * as argv from "./internal/argv.js"
import * as exit from "./internal/exit.js"
import * as help from "./internal/help.js"
import * as parse from "./internal/options.js"

/**
 * The version `stagger --version` prints.
 *
 * @since 0.1.0
 * @category constants
 */
export const VERSION = "0.1.0"

/**
 * The exit codes of `stagger`: `ok` 0, `failed` 1 (no connection), `usage` 2 (a bad command
 * line), `internal` 70 (a bug), `interrupted` 130.
 *
 * @since 0.1.0
 * @category constants
 */
export const ExitCode = exit.ExitCode

/**
 * The root command, with `connect` and `demo`.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("stagger").pipe(
  Command.withDescription("Watch Happy Eyeballs (RFC 8305) connects race, attempt by attempt."),
  Command.withSubcommands([Connect.command, Demo.command])
)

const app = Command.run(command, { name: "stagger", version: VERSION })

const subcommandOf = (args: ReadonlyArray<string>) => args[0] === "connect" || args[0] === "demo" ? args[0] : undefined

const usageOf = (sub: "connect" | "demo" | undefined): Usage.Usage =>
  sub === "connect" ?
    Command.getUsage(Connect.command) :
    sub === "demo" ?
    Command.getUsage(Demo.command) :
    Command.getUsage(command)

/** A usage tree as plain text: no ANSI styles, since it may go to a file or a test. */
const plain = (usage: Usage.Usage) =>
  Doc.render(Doc.unAnnotate(HelpDoc.toAnsiDoc(Usage.getHelp(usage))), { style: "pretty" }).trim()

/** Splits a usage line into lines of at most `width`, between options, never inside `[...]`. */
const wrapUsage = (line: string, width = help.WIDTH): ReadonlyArray<string> => {
  const words: Array<string> = []
  let depth = 0
  // `[(-4, --ipv4)]` as git writes it: `[-4|--ipv4]`.
  for (const part of line.replace(/\((-\w), (--[\w-]+)\)/g, "$1|$2").split(" ")) {
    if (depth > 0) words[words.length - 1] += ` ${part}`
    else words.push(part)
    depth += (part.match(/[[(]/g) ?? []).length - (part.match(/[\])]/g) ?? []).length
  }
  return words.reduce<Array<string>>((lines, word) => {
    const last = lines.length - 1
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] = `${lines[last]} ${word}`
    else lines.push(last < 0 ? word : `    ${word}`)
    return lines
  }, [])
}

/**
 * The usage of the subcommand the words name, or of every subcommand.
 *
 * @since 0.1.0
 * @category formatting
 */
export const usage = (args: ReadonlyArray<string>): string => {
  const sub = subcommandOf(args)
  const lines = sub === undefined ?
    (["connect", "demo"] as const).flatMap((c) => wrapUsage(`usage: stagger ${plain(usageOf(c))}`)) :
    wrapUsage(`usage: stagger ${plain(usageOf(sub))}`)
  return [...lines, `Run 'stagger ${sub === undefined ? "" : `${sub} `}--help' for what each option does.`].join("\n")
}

/**
 * The help of the subcommand the words name, or of `stagger` itself: plain text in 80
 * columns, from the options' own descriptions (see `internal/help.ts`).
 *
 * @since 0.2.0
 * @category formatting
 */
export const helpText = (args: ReadonlyArray<string>): string => {
  const sub = subcommandOf(args)
  if (sub === "connect") {
    return help.ofCommand({
      name: "connect",
      description: help.descriptionOf(Connect.command),
      options: Options.getHelp(Options.all(Connect.options)),
      args: Args.getHelp(Args.all(Connect.args))
    })
  }
  if (sub === "demo") {
    return help.ofCommand({
      name: "demo",
      description: help.descriptionOf(Demo.command),
      options: HelpDoc.empty,
      args: HelpDoc.empty
    })
  }
  return help.ofRoot(help.descriptionOf(command), [
    { names: "connect HOST PORT", description: help.descriptionOf(Connect.command) },
    { names: "demo", description: help.descriptionOf(Demo.command) }
  ])
}

/** Whether the words ask for help: no words at all, or `-h` or `--help` before any `--`. */
const helpRequested = (args: ReadonlyArray<string>) => {
  const end = args.indexOf("--")
  const options = end < 0 ? args : args.slice(0, end)
  return args.length === 0 || options.includes("--help") || options.includes("-h")
}

/** The message (unless `@effect/cli` has printed it, with a blank line after), then the usage. */
const usageError = (args: ReadonlyArray<string>, message: string | undefined) =>
  Effect.as(
    Console.error([...(message === undefined ? [] : [message, ""]), usage(args)].join("\n")),
    exit.ExitCode.usage
  )

/** The words before `@effect/cli` sees them: an unknown option is named as such. */
const unknownOption = (args: ReadonlyArray<string>) => {
  const sub = subcommandOf(args)
  const known = argv.knownOf(usageOf(sub))
  return argv.unknownOption(sub === undefined ? args : args.slice(1), known)
}

/**
 * Runs `stagger` on the words after the program name, printing through `Console`, and
 * returns the exit code. Never fails; interruption is left to the caller (exit 130).
 *
 * @example
 * ```ts
 * import { Cli } from "@effect-stagger/cli"
 * import * as NodeContext from "@effect/platform-node/NodeContext"
 * import * as Effect from "effect/Effect"
 *
 * const code = Cli.run(["connect", "example.com", "443", "--tls"]).pipe(Effect.provide(NodeContext.layer))
 * // Effect<number>: 0 when connected
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment> => {
  if (helpRequested(args)) return Effect.as(Console.log(helpText(args)), exit.ExitCode.ok)
  const unknown = unknownOption(args)
  if (unknown !== undefined) {
    const hint = unknown.suggestion === undefined ? "" : ` (did you mean ${unknown.suggestion}?)`
    return usageError(args, `unknown option ${parse.quoted(unknown.option)}${hint}`)
  }
  return app(["node", "stagger", ...args]).pipe(
    Effect.as<number>(exit.ExitCode.ok),
    Effect.catchAll((error) => {
      if (ValidationError.isValidationError(error)) {
        // @effect/cli has printed what was wrong; the usage follows it.
        return ValidationError.isHelpRequested(error) ? Effect.succeed(exit.ExitCode.ok) : usageError(args, undefined)
      }
      if (error._tag === "UsageError") return usageError(args, error.message)
      return Effect.succeed(error.code)
    }),
    Effect.catchAllCause((cause) => {
      const defect = Cause.dieOption(cause)
      // A value the library refused where the CLI did not check it (a defect of NodeGetAddrInfo.layerDns).
      if (Option.isSome(defect) && Cause.isIllegalArgumentException(defect.value)) {
        return usageError(args, parse.inFlags(defect.value.message))
      }
      return Effect.as(
        Console.error(`stagger: internal error, please report it:\n${Cause.pretty(cause)}`),
        exit.ExitCode.internal
      )
    })
  )
}
