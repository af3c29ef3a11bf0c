#!/usr/bin/env node
/**
 * The `stagger` executable: runs `Cli.run` on the command line and exits with its code.
 *
 * A closed standard output (`stagger demo | head -2`) ends the program quietly, with 0.
 *
 * Errors are reported by `Cli.run` itself (a failure report, or a message and the usage), so
 * `runMain`'s own error reporting, which would print an Effect cause, is off.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cli from "./Cli.js"

// A reader that closed its end of the pipe (`stagger demo | head -2`) has what it wanted. Node
// ignores SIGPIPE and reports EPIPE as an 'error' event, which unhandled is a stack trace and
// exit 1; end quietly instead, with 0, as `head` wanted nothing more. The sockets and the
// demo's worker end with the process.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error
    process.exit(Cli.ExitCode.ok)
  })
}

Cli.run(process.argv.slice(2)).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      onExit(
        Exit.isSuccess(exit) ?
          typeof exit.value === "number" ? exit.value : Cli.ExitCode.ok :
          Cause.isInterruptedOnly(exit.cause) ?
          Cli.ExitCode.interrupted :
          Cli.ExitCode.internal
      )
  })
)
