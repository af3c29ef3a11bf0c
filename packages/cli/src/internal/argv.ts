/**
 * Unknown options, found before `@effect/cli` parses the command line.
 *
 * `@effect/cli` 0.77 takes an option it does not know for a positional argument, so
 * `stagger connect --dely 5 example.com 80` is reported as `'5' is not a integer`, about the
 * wrong word. Scanning the words first against the names the command declares (read from its
 * own usage, so the two cannot drift) names the real culprit and suggests the option meant.
 *
 * @internal
 */
import * as AutoCorrect from "@effect/cli/AutoCorrect"
import * as CliConfig from "@effect/cli/CliConfig"
import type * as Usage from "@effect/cli/Usage"
import * as Option from "effect/Option"

/** The option names a command accepts: flags, and options that take a value. */
export interface Known {
  readonly flags: ReadonlySet<string>
  readonly valued: ReadonlySet<string>
}

/**
 * The built-in options `stagger` keeps: help and the version. `@effect/cli`'s others
 * (`--wizard`, `--completions`, `--log-level`) are unknown options here, so it never sees them.
 */
const builtIns: Known = {
  flags: new Set(["-h", "--help", "--version"]),
  valued: new Set()
}

/** The option names in a usage tree (positional arguments are named `<HOST>`, not `--x`). */
export const knownOf = (usage: Usage.Usage): Known => {
  const flags = new Set(builtIns.flags)
  const valued = new Set(builtIns.valued)
  const walk = (self: Usage.Usage): void => {
    switch (self._tag) {
      case "Named": {
        const options = self.names.filter((name) => name.startsWith("-"))
        for (const name of options) (Option.isSome(self.acceptedValues) ? valued : flags).add(name)
        return
      }
      case "Optional":
      case "Repeated":
        return walk(self.usage)
      case "Alternation":
      case "Concat":
        walk(self.left)
        return walk(self.right)
      case "Empty":
      case "Mixed":
        return
    }
  }
  walk(usage)
  return { flags, valued }
}

/**
 * The first word that looks like an option but is none of `known`, with the closest known
 * name when one is near. A negative number is a value, not an option; `--` ends the options.
 */
export const unknownOption = (
  args: ReadonlyArray<string>,
  known: Known
): { readonly option: string; readonly suggestion: string | undefined } | undefined => {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]
    if (word === "--") return undefined
    const name = word.split("=")[0]
    if (known.flags.has(name)) continue
    if (known.valued.has(name)) {
      if (!word.includes("=")) i++
      continue
    }
    if (!word.startsWith("-") || /^-\d/.test(word)) continue
    const names = [...known.flags, ...known.valued].filter((n) => n.startsWith("--"))
    const distance = (n: string) => AutoCorrect.levensteinDistance(name, n, CliConfig.defaultConfig)
    const [suggestion] = names.filter((n) => distance(n) <= 2).sort((a, b) => distance(a) - distance(b))
    return { option: name, suggestion }
  }
  return undefined
}
