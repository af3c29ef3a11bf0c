/**
 * Checks the packages as a user gets them: packed, installed by npm into a project of its own,
 * type-checked and run there.
 *
 * Why: the tests run the sources inside the workspace, where every file is at hand. A tarball
 * that lacks a file an export points at, a declaration that names a dev dependency, or a `bin`
 * that Node cannot start passes all of them and fails the first user.
 *
 * What, for each of core, node and cli (`pnpm pack`, which also turns `workspace:` ranges into
 * versions):
 * - the tarball holds a README and a LICENSE, and nothing but `package.json`, `src/**.ts`
 *   and the compiler's `dist/**` output (no build state);
 * - every `exports` target and the `bin` exist in it, and every public module of `src` has its
 *   `.js` and `.d.ts`.
 * Then, in a new directory outside the workspace, `npm install` of the three tarballs with
 * effect and the platform packages at the versions the tests ran with, and a consumer module
 * that imports each package's barrel and a module subpath, is type-checked (strict, NodeNext,
 * declarations of every package checked) and run: an echo round trip over loopback through
 * `openConnection`, a refused port as a typed `DialError`, an internal module refused by the
 * `exports` map, and the installed `stagger` binary connecting and running its demo; and the
 * packages loaded by `require` from CommonJS, and under `--conditions=source`, which a
 * consumer's tooling may set for its own sources (ours load from `dist` all the same).
 *
 * Usage: `tsx scripts/pack.ts` after `pnpm build` (CI does; `pnpm pack-check` runs both).
 * Needs the npm registry for effect and its peers. Exits 1 naming each problem.
 */
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as Net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as Util from "node:util"

const root = path.join(import.meta.dirname, "..")
const packages = ["core", "node", "cli"] as const
const problems: Array<string> = []
const execFile = Util.promisify(ChildProcess.execFile)

/** Long enough for npm on a slow machine; a step that hangs must still end the check. */
const timeout = 300_000

const run = (command: string, args: ReadonlyArray<string>, cwd: string): string =>
  ChildProcess.execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout })

/** The files of a tarball, without npm's `package/` prefix. */
const filesOf = (tarball: string): ReadonlyArray<string> =>
  run("tar", ["-tzf", tarball], root).split("\n").filter((line) => line !== "").map((line) =>
    line.replace(/^package\//, "")
  )

const allowed = (file: string) =>
  file === "package.json" || file === "README.md" || file === "LICENSE" ||
  /^src\/.+\.ts$/.test(file) || /^dist\/.+\.(js|d\.ts)(\.map)?$/.test(file)

/** The targets of an `exports` map (conditions flattened; `null`s are blocked paths). */
const targetsOf = (exports: unknown): ReadonlyArray<string> =>
  typeof exports === "string" ?
    [exports] :
    typeof exports === "object" && exports !== null ?
    Object.values(exports).flatMap(targetsOf) :
    []

const checkTarball = (name: string, tarball: string) => {
  const files = filesOf(tarball)
  const has = new Set(files)
  for (const file of files) if (!allowed(file)) problems.push(`${name}: ships ${file}`)
  for (const required of ["README.md", "LICENSE"]) if (!has.has(required)) problems.push(`${name}: no ${required}`)
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "packages", name, "package.json"), "utf8"))
  for (const target of targetsOf(manifest.exports)) {
    const file = target.replace(/^\.\//, "")
    if (file.includes("*")) {
      const [prefix, suffix] = file.split("*")
      const modules = files.filter((f) => /^src\/[A-Z]\w*\.ts$/.test(f)).map((f) => f.slice(4, -3))
      for (const module of modules) {
        if (!has.has(`${prefix}${module}${suffix}`)) problems.push(`${name}: exports ${target} has no ${module}`)
      }
    } else if (!has.has(file)) problems.push(`${name}: exports ${target}, which it does not ship`)
  }
  for (const bin of Object.values<string>(manifest.bin ?? {})) {
    const file = bin.replace(/^\.\//, "")
    if (!has.has(file)) problems.push(`${name}: bin ${bin} is not shipped`)
    else if (!run("tar", ["-xzOf", tarball, `package/${file}`], root).startsWith("#!/usr/bin/env node")) {
      problems.push(`${name}: bin ${bin} has no #!/usr/bin/env node`)
    }
  }
}

/** The version of `dependency` the workspace's tests ran with (as Node finds it from packages/cli). */
const installedVersion = (dependency: string): string => {
  for (let dir = path.join(root, "packages", "cli");; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "node_modules", dependency, "package.json")
    if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, "utf8")).version
    if (dir === root) throw new Error(`${dependency} is not installed: run pnpm install`)
  }
}

const consumer = `
import { HappyEyeballs, Stagger } from "@effect-stagger/core"
import { DialError, NodeGetAddrInfo, NodeHappyEyeballs } from "@effect-stagger/node"
import * as NodeGetAddrInfoModule from "@effect-stagger/node/NodeGetAddrInfo"
import { connect, undiciConnector } from "@effect-stagger/node/promise"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Net from "node:net"

const server = Net.createServer((socket) => socket.pipe(socket))
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const port = (server.address() as Net.AddressInfo).port

const echo: Effect.Effect<string, unknown> = Effect.gen(function*() {
  const connection = yield* NodeHappyEyeballs.openConnection("127.0.0.1", port)
  yield* connection.write(new TextEncoder().encode("ping"))
  const chunks = yield* connection.reader.pipe(Stream.take(1), Stream.runCollect)
  return new TextDecoder().decode(Chunk.unsafeGet(chunks, 0))
}).pipe(Effect.scoped, Effect.provide(NodeGetAddrInfo.layer))

const refused: Effect.Effect<string> = NodeHappyEyeballs.createConnectedSock("127.0.0.1", 1).pipe(
  Effect.scoped,
  Effect.provide(NodeGetAddrInfoModule.layer),
  Effect.as("connected"),
  Effect.catchAll((error) => Effect.succeed(DialError.isDialError(error) ? error.code ?? "no code" : error._tag))
)

let internal = "imported"
try {
  await import("@effect-stagger/node/internal/dial" as string)
} catch (error) {
  internal = (error as { code?: string }).code ?? String(error)
}

const viaPromise = await connect("127.0.0.1", port).then((socket) => {
  socket.destroy()
  return typeof undiciConnector()
})
const refusedPromise = await connect("127.0.0.1", 1).then(() => "connected", (error) => DialError.isDialError(error) ? error.code : String(error))

const result = {
  echo: await Effect.runPromise(echo),
  promise: [viaPromise, refusedPromise],
  refused: await Effect.runPromise(refused),
  internal,
  core: [typeof Stagger.staggeredRace, typeof HappyEyeballs.connectWith]
}
server.close()
console.log(JSON.stringify(result))
`

const expected = JSON.stringify({
  echo: "ping",
  promise: ["function", "ECONNREFUSED"],
  refused: "ECONNREFUSED",
  internal: "ERR_PACKAGE_PATH_NOT_EXPORTED",
  core: ["function", "function"]
})

const checkInstalled = async (tarballs: ReadonlyArray<string>, home: string) => {
  const project = path.join(home, "consumer")
  fs.mkdirSync(project)
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" })
  )
  fs.writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        types: ["node"],
        outDir: "out"
      },
      files: ["app.ts"]
    })
  )
  fs.writeFileSync(path.join(project, "app.ts"), consumer)
  const versions = ["effect", "@effect/platform", "@effect/platform-node", "typescript"].map((dependency) =>
    `${dependency}@${installedVersion(dependency)}`
  )
  run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    ...tarballs,
    ...versions,
    "@types/node@20"
  ], project)
  try {
    run(path.join(project, "node_modules", ".bin", "tsc"), ["-p", "."], project)
  } catch (error) {
    problems.push(`consumer: does not type-check:\n${(error as { stdout?: string }).stdout ?? String(error)}`)
    return
  }
  const { stdout: printed } = await execFile(process.execPath, [path.join("out", "app.js")], {
    cwd: project,
    encoding: "utf8",
    timeout
  })
  const output = printed.trim()
  if (output !== expected) problems.push(`consumer: printed ${output}, not ${expected}`)
  // A CommonJS program loads the ES modules with `require` (Node 20.19 and later).
  const { stdout: required } = await execFile(process.execPath, [
    "-e",
    `const { HappyEyeballs } = require("@effect-stagger/core")
    const { NodeHappyEyeballs } = require("@effect-stagger/node")
    console.log(typeof HappyEyeballs.connectWith, typeof NodeHappyEyeballs.createConnectedSock)`
  ], { cwd: project, encoding: "utf8", timeout })
  if (required.trim() !== "function function") problems.push(`require: printed ${required.trim()}`)
  // A consumer's own tooling may set the common `source` condition (for its monorepo's own
  // sources): the packages must still load their built files under plain Node then.
  try {
    const { stdout: conditioned } = await execFile(process.execPath, [
      "--conditions=source",
      "--input-type=module",
      "-e",
      `const { HappyEyeballs } = await import("@effect-stagger/core")
      const { NodeHappyEyeballs } = await import("@effect-stagger/node")
      console.log(typeof HappyEyeballs.connectWith, typeof NodeHappyEyeballs.createConnectedSock)`
    ], { cwd: project, encoding: "utf8", timeout })
    if (conditioned.trim() !== "function function") problems.push(`--conditions=source: printed ${conditioned.trim()}`)
  } catch (error) {
    problems.push(`--conditions=source: the packages do not load: ${(error as { stderr?: string }).stderr ?? error}`)
  }
  const server = Net.createServer((socket) => socket.end())
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  try {
    const { stdout } = await execFile(path.join(project, "node_modules", ".bin", "stagger"), [
      "connect",
      "127.0.0.1",
      String((server.address() as Net.AddressInfo).port)
    ], { cwd: project, encoding: "utf8", timeout })
    if (!/^\* connected to 127\.0\.0\.1:/m.test(stdout)) problems.push(`stagger: no connected line in\n${stdout}`)
    const demo = await execFile(path.join(project, "node_modules", ".bin", "stagger"), ["demo"], {
      cwd: project,
      encoding: "utf8",
      timeout
    })
    if (!/^\* sent "hello", the echo server answered "hello"$/m.test(demo.stdout)) {
      problems.push(`stagger demo: no echo line in\n${demo.stdout}`)
    }
  } catch (error) {
    problems.push(`stagger: failed: ${String((error as { stderr?: string }).stderr ?? error)}`)
  } finally {
    server.close()
  }
}

const main = async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "effect-stagger-pack-"))
  try {
    const tarballs = packages.map((name) => {
      const output = run(
        "npx",
        ["-y", "pnpm@10.34.9", "pack", "--pack-destination", home],
        path.join(root, "packages", name)
      )
      const tarball = path.join(home, path.basename(output.trim().split("\n").pop()!))
      checkTarball(name, tarball)
      return tarball
    })
    await checkInstalled(tarballs, home)
  } finally {
    fs.rmSync(home, { recursive: true, force: true })
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`pack: ${problem}`)
    process.exit(1)
  }
  console.log(`pack: ${packages.length} packages packed, installed by npm, type-checked and run`)
}

await main()
