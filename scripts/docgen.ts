/**
 * API reference from the JSDoc: runs `@effect/docgen` in every package that has a
 * `docgen.json` (which also type-checks every `@example`), then gathers the pages into
 * `docs/api/<package>/`.
 *
 * Usage: `pnpm docgen`.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.join(import.meta.dirname, "..")
const bin = path.join(root, "node_modules", ".bin", "docgen")
const out = path.join(root, "docs", "api")
fs.rmSync(out, { recursive: true, force: true })

const index: Array<string> = ["# API reference", "", "Generated from the JSDoc by `pnpm docgen`.", ""]
for (const name of fs.readdirSync(path.join(root, "packages")).sort()) {
  const dir = path.join(root, "packages", name)
  if (!fs.existsSync(path.join(dir, "docgen.json"))) continue
  execFileSync(bin, [], { cwd: dir, stdio: "inherit" })
  const modules = path.join(dir, "docs", "modules")
  const target = path.join(out, name)
  fs.mkdirSync(target, { recursive: true })
  index.push(`## @effect-stagger/${name}`, "")
  for (const page of fs.readdirSync(modules).filter((f) => f.endsWith(".md")).sort()) {
    // Drop docgen's website front matter: these pages are read on their own.
    const text = fs.readFileSync(path.join(modules, page), "utf8").replace(/^(?:---|\*\*\*)\n[\s\S]*?\n---\n+/, "")
    const file = page.replace(/\.ts\.md$/, ".md")
    fs.writeFileSync(path.join(target, file), text)
    if (file !== "index.md") index.push(`- [${file.replace(/\.md$/, "")}](${name}/${file})`)
  }
  index.push("")
  fs.rmSync(path.join(dir, "docs"), { recursive: true, force: true })
}
fs.writeFileSync(path.join(out, "README.md"), index.join("\n"))
