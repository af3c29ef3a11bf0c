/**
 * Type-checks the examples of the README and the guides, as docgen does the JSDoc's.
 *
 * Which: a ```ts block that imports from `@effect-stagger/...` is a complete program, one a
 * user may paste into a file, and must compile against the packages as they are now. Other
 * blocks are fragments (a line out of a larger program, a shape sketched for reading) and are
 * left alone. Read: README.md, docs/*.md (docs/api is docgen's) and packages/* /README.md.
 *
 * How: each example is a module that exists only in memory, placed in packages/cli (which
 * depends on every package of the workspace and on effect, so imports resolve as a user's
 * would), compiled with tsconfig.base.json's options less the unused-locals checks (an
 * example may define what it shows without using it). Nothing is written.
 *
 * Also: an `npm install` line that names effect or a platform package gives it the packages'
 * peer range, since npm's latest `effect` is Effect 4.
 *
 * Usage: `tsx scripts/examples.ts` (part of `pnpm check`); exits 1 on a failing example,
 * naming the file and line of each error.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"

const root = path.join(import.meta.dirname, "..")
/** Where the in-memory examples live, for module resolution. */
const home = path.join(root, "packages", "cli", "examples.virtual")

/** One complete example: where it is in its document, and its code. */
interface Example {
  readonly document: string
  /** The line of the document on which the code starts (1-based). */
  readonly line: number
  readonly code: string
}

/** The complete examples of one Markdown document. */
const examplesOf = (document: string, text: string): ReadonlyArray<Example> => {
  const examples: Array<Example> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trimEnd() !== "```ts") continue
    const start = i + 1
    let end = start
    while (end < lines.length && lines[end].trimEnd() !== "```") end++
    const code = lines.slice(start, end).join("\n")
    if (/^import .* from "@effect-stagger\//m.test(code)) examples.push({ document, line: start + 1, code })
    i = end
  }
  return examples
}

const documents = (): ReadonlyArray<string> => [
  path.join(root, "README.md"),
  ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join(root, "docs", f)),
  ...fs.readdirSync(path.join(root, "packages"))
    .map((name) => path.join(root, "packages", name, "README.md"))
    .filter((file) => fs.existsSync(file))
]

const compilerOptions = (): ts.CompilerOptions => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.base.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
    }
  })
  if (config === undefined) throw new Error("tsconfig.base.json: not readable")
  return { ...config.options, noUnusedLocals: false, noUnusedParameters: false, noEmit: true }
}

/** The errors of each example, as `document:line: message`; none when all compile. */
const check = (examples: ReadonlyArray<Example>): ReadonlyArray<string> => {
  const byFile = new Map(examples.map((example, i) => [path.join(home, `example${i}.ts`), example]))
  const options = compilerOptions()
  const host = ts.createCompilerHost(options)
  const { fileExists, getSourceFile, readFile } = host
  host.fileExists = (file) => byFile.has(file) || fileExists.call(host, file)
  host.readFile = (file) => byFile.get(file)?.code ?? readFile.call(host, file)
  host.getSourceFile = (file, language, ...rest) => {
    const example = byFile.get(file)
    return example === undefined ?
      getSourceFile.call(host, file, language, ...rest) :
      ts.createSourceFile(file, example.code, language, true)
  }
  const program = ts.createProgram([...byFile.keys()], options, host)
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
    const example = diagnostic.file === undefined ? undefined : byFile.get(diagnostic.file.fileName)
    if (example === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
      return `${diagnostic.file?.fileName ?? "(no file)"}: ${message}`
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    return `${path.relative(root, example.document)}:${example.line + line}: ${message}`
  })
}

/** What the packages need of effect and the platform packages: their peer ranges, by name. */
const peerRanges = (): ReadonlyMap<string, string> => {
  const ranges = new Map<string, string>()
  for (const name of fs.readdirSync(path.join(root, "packages"))) {
    const file = path.join(root, "packages", name, "package.json")
    if (!fs.existsSync(file)) continue
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { peerDependencies?: Record<string, string> }
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (ranges.has(peer) && ranges.get(peer) !== range) throw new Error(`${peer}: the packages' peer ranges differ`)
      ranges.set(peer, range)
    }
  }
  return ranges
}

/**
 * The install lines of a document that name a peer without its range, as `document:line:
 * message`. A bare `effect` is npm's latest, Effect 4, and npm refuses the set (ERESOLVE).
 */
const installErrorsOf = (document: string, text: string, ranges: ReadonlyMap<string, string>) =>
  text.split("\n").flatMap((line, i) => {
    if (!/^\s*npm install\b/.test(line)) return []
    return line.replace(/#.*$/, "").trim().split(/\s+/).flatMap((word) => {
      const spec = word.replace(/^["']|["']$/g, "")
      const at = spec.lastIndexOf("@")
      const name = at > 0 ? spec.slice(0, at) : spec
      const wanted = ranges.get(name)
      return wanted === undefined || spec === `${name}@${wanted}` ? [] : [
        `${path.relative(root, document)}:${i + 1}: install ${name} as "${name}@${wanted}", the packages' peer range`
      ]
    })
  })

const main = () => {
  const examples = documents().flatMap((file) => examplesOf(file, fs.readFileSync(file, "utf8")))
  const ranges = peerRanges()
  const errors = [
    ...documents().flatMap((file) => installErrorsOf(file, fs.readFileSync(file, "utf8"), ranges)),
    ...check(examples)
  ]
  for (const error of errors) process.stderr.write(`${error}\n`)
  if (errors.length > 0) process.exit(1)
  process.stdout.write(`${examples.length} examples type-check\n`)
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) main()
