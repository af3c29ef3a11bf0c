/**
 * How a command ends when it does not succeed, and the exit codes of `stagger`.
 *
 * @internal
 */
import * as Data from "effect/Data"

/** The exit codes, as `docs/cli.md` lists them. */
export const ExitCode = {
  /** Connected (connect), or the demo ran. */
  ok: 0,
  /** No connection: every attempt failed, the host did not resolve, or `--timeout` passed. */
  failed: 1,
  /** The command line was wrong: an unknown option, a bad value, a missing argument. */
  usage: 2,
  /** A bug in stagger (a defect): the report asks for an issue. */
  internal: 70,
  /** Interrupted (Ctrl-C). */
  interrupted: 130
} as const

/** A bad command line found after parsing: conflicting options, a value the library refused. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The command has reported its failure already; the process exits with `code`. */
export class Failed extends Data.TaggedError("Failed")<{ readonly code: number }> {}
