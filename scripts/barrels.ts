/**
 * Generates each package's `src/index.ts`: one namespace re-export per public module, with
 * that module's header comment as its documentation (what `build-utils prepare-v2` does for
 * Effect's own packages). The barrel is never edited by hand.
 *
 * Usage: `tsx scripts/barrels.ts` writes them; `tsx scripts/barrels.ts --check` fails when one
 * is out of date (CI).
 */
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.join(import.meta.dirname, "..")
const check = process.argv.includes("--check")

/** The package's own description, at the top of its barrel. */
const packageHeader = (dir: string) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { description: string }
  return `/**\n * ${pkg.description}\n *\n * @since 0.1.0\n */\n`
}

/** A module's header: its first JSDoc block, which must carry `@since`. */
const moduleHeader = (file: string) => {
  const match = /^\/\*\*[\s\S]*?\*\//.exec(fs.readFileSync(file, "utf8"))
  if (match === null || !match[0].includes("@since")) throw new Error(`${file}: no module header with @since`)
  return match[0]
}

let stale = 0
for (const name of fs.readdirSync(path.join(root, "packages"))) {
  const dir = path.join(root, "packages", name)
  const src = path.join(dir, "src")
  if (!fs.existsSync(src)) continue
  const modules = fs.readdirSync(src)
    .filter((f) => /^[A-Z]\w*\.ts$/.test(f))
    .sort()
  if (modules.length === 0) continue
  const body = modules.map((f) =>
    `${moduleHeader(path.join(src, f))}\nexport * as ${f.slice(0, -3)} from "./${f.slice(0, -3)}.js"\n`
  )
  const text = `${packageHeader(dir)}\n${body.join("\n")}`
  const target = path.join(src, "index.ts")
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : ""
  if (current === text) continue
  if (check) {
    console.error(`${path.relative(root, target)} is out of date: run \`pnpm codegen\``)
    stale++
  } else {
    fs.writeFileSync(target, text)
    console.log(`wrote ${path.relative(root, target)}`)
  }
}
process.exit(stale > 0 ? 1 : 0)
