/**
 * Runs `stagger` in this process with its output captured: `Cli.run` with a `Console` that
 * keeps each line, over the real `NodeContext`.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Cli } from "../../src/index.js"

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const capturing = (base: Console.Console, out: Array<string>, err: Array<string>): Console.Console => {
  const keep = (into: Array<string>) => (...args: ReadonlyArray<unknown>) => {
    into.push(args.map(String).join(" "))
  }
  return {
    ...base,
    log: (...args) => Effect.sync(() => keep(out)(...args)),
    error: (...args) => Effect.sync(() => keep(err)(...args)),
    unsafe: { ...base.unsafe, log: keep(out), error: keep(err) }
  }
}

/** `stagger ARGS`, in process. */
export const stagger = (...args: ReadonlyArray<string>): Effect.Effect<Ran> =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const base = yield* Console.consoleWith(Effect.succeed)
    const code = yield* Cli.run(args).pipe(Effect.withConsole(capturing(base, out, err)))
    return { code, stdout: out.join("\n"), stderr: err.join("\n") }
  }).pipe(Effect.provide(NodeContext.layer))
