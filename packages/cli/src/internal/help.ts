/**
 * `--help`, as curl and git print it: a usage line, what the command does, then one line per
 * option with its meaning and default, in 80 columns and plain text.
 *
 * `@effect/cli` 0.77 prints help of its own: a paragraph per option that opens with the value's
 * type ("A user-defined piece of text."), its built-in options (`--wizard`, `--completions`,
 * `--log-level`), a usage line without the program's name on one line of any length, and ANSI
 * styles whether or not the output is a terminal (`CliConfig` only hides the built-ins). So
 * the help is rendered here, from what the command declares: the names and value names of
 * its usage, and each option's own `Options.withDescription` text.
 *
 * @internal
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import type * as HelpDoc from "@effect/cli/HelpDoc"
import type * as Span from "@effect/cli/HelpDoc/Span"

/** The width help is laid out in. */
export const WIDTH = 80

/** The column descriptions start at. */
const COLUMN = 30

/** One line of an option or argument list: its names, and what it means. */
export interface Row {
  readonly names: string
  readonly description: string
}

const textOf = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Sequence":
      return textOf(span.left) + textOf(span.right)
    case "Highlight":
    case "Strong":
    case "Weak":
      return textOf(span.value)
  }
}

/** The paragraphs of a help document, in order. */
const paragraphs = (doc: HelpDoc.HelpDoc): ReadonlyArray<string> => {
  switch (doc._tag) {
    case "Paragraph":
      return [textOf(doc.value)]
    case "Sequence":
      return [...paragraphs(doc.left), ...paragraphs(doc.right)]
    case "Enumeration":
      return doc.elements.flatMap(paragraphs)
    case "Empty":
    case "Header":
    case "DescriptionList":
      return []
  }
}

/**
 * The rows of the option or argument lists in a help document. `@effect/cli` describes each
 * entry with the value's type first, then the text given to `withDescription`, then notes of
 * its own ("This setting is optional."): the second paragraph is the one the command wrote.
 */
export const rows = (doc: HelpDoc.HelpDoc): ReadonlyArray<Row> => {
  switch (doc._tag) {
    case "DescriptionList":
      return doc.definitions.map(([span, block]) => ({
        // `(-4, --ipv4)` in a usage line; `-4, --ipv4` in a list, as curl and git write it.
        names: textOf(span).replace(/^\((.*)\)$/, "$1"),
        description: paragraphs(block)[1] ?? ""
      }))
    case "Sequence":
      return [...rows(doc.left), ...rows(doc.right)]
    case "Empty":
    case "Header":
    case "Paragraph":
    case "Enumeration":
      return []
  }
}

/** Words in lines of at most `width` characters. */
export const wrap = (text: string, width: number): ReadonlyArray<string> =>
  text.split(" ").reduce<Array<string>>((lines, word) => {
    const last = lines.length - 1
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] = `${lines[last]} ${word}`
    else lines.push(word)
    return lines
  }, [])

/** A list: names in the first column (long-only names aligned under `-x, `), descriptions after. */
const list = (entries: ReadonlyArray<Row>): ReadonlyArray<string> =>
  entries.flatMap(({ description, names }) => {
    const name = names.startsWith("--") ? `      ${names}` : `  ${names}`
    const [first = "", ...rest] = wrap(description, WIDTH - COLUMN)
    const head = name.length + 2 <= COLUMN ? [`${name.padEnd(COLUMN)}${first}`] : [name, `${"".padEnd(COLUMN)}${first}`]
    return [...head, ...rest.map((line) => `${"".padEnd(COLUMN)}${line}`)].map((line) => line.trimEnd())
  })

/** The options every command takes, handled by `Cli.run` itself. */
const builtIns: ReadonlyArray<Row> = [
  { names: "-h, --help", description: "Print this help" },
  { names: "--version", description: "Print the version" }
]

/** A command's description: the paragraph under its `DESCRIPTION` header. */
export const descriptionOf = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>): string =>
  paragraphs(Command.getHelp(command, { ...CliConfig.defaultConfig, showBuiltIns: false }))[0] ?? ""

/** The help of a subcommand: usage, description, arguments, options. */
export const ofCommand = (command: {
  readonly name: string
  readonly description: string
  readonly options: HelpDoc.HelpDoc
  readonly args: HelpDoc.HelpDoc
}): string => {
  const args = rows(command.args).map((row) => ({ ...row, names: row.names.replace(/^<(.*)>$/, "$1") }))
  const options = rows(command.options)
  return [
    `usage: stagger ${command.name}${options.length === 0 ? "" : " [options]"}${
      args.map((a) => ` ${a.names}`).join("")
    }`,
    "",
    ...wrap(command.description, WIDTH),
    ...(args.length === 0 ? [] : ["", ...list(args)]),
    "",
    "options:",
    ...list([...options, ...builtIns])
  ].join("\n")
}

/** The help of the root command: its subcommands, one line each. */
export const ofRoot = (description: string, subcommands: ReadonlyArray<Row>): string =>
  [
    "usage: stagger <command> [options]",
    "",
    ...wrap(description, WIDTH),
    "",
    "commands:",
    ...list(subcommands),
    "",
    "options:",
    ...list(builtIns),
    "",
    "Run 'stagger <command> --help' for the options of a command."
  ].join("\n")
