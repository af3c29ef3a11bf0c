/**
 * Runs `bin.ts` as a process, as `pnpm stagger` does: its output through real pipes, not
 * a terminal, so what a user gets in `stagger ... | less` or a log file.
 */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"

const root = Path.resolve(__dirname, "../../../..")

export interface Exited {
  readonly code: number | null
  readonly signal: string | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * `stagger ARGS` in a child process. With `closeAfter`, the reader closes its end of stdout
 * once it has that many lines, as `stagger ... | head -n` does.
 */
export const spawn = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly closeAfter?: number } = {}
): Effect.Effect<Exited> =>
  Effect.async<Exited>((resume) => {
    const child = ChildProcess.spawn(
      Path.join(root, "node_modules/.bin/tsx"),
      ["--conditions=@effect-stagger/source", "packages/cli/src/bin.ts", ...args],
      { cwd: root, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (options.closeAfter !== undefined && stdout.split("\n").length > options.closeAfter) child.stdout.destroy()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on("close", (code, signal) => resume(Effect.succeed({ code, signal, stdout, stderr })))
    return Effect.sync(() => child.kill())
  })
