#!/usr/bin/env node
/**
 * The `stagger` executable: runs `Cli.run` on the command line and exits with its code.
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
