/**
 * A self-signed certificate made at test time with the `openssl` command (Debian has it), for
 * `tls.test` and the loopback addresses.
 */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

export interface Credentials {
  readonly key: string
  readonly cert: string
}

export const selfSigned: Effect.Effect<Credentials> = Effect.acquireUseRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "stagger-tls-"))),
  (dir) =>
    Effect.sync(() => {
      const key = Path.join(dir, "key.pem")
      const cert = Path.join(dir, "cert.pem")
      ChildProcess.execFileSync("openssl", [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=tls.test",
        "-addext",
        "subjectAltName=DNS:tls.test,IP:127.0.0.1,IP:127.0.0.2,IP:::1"
      ], { stdio: "ignore" })
      return { key: Fs.readFileSync(key, "utf8"), cert: Fs.readFileSync(cert, "utf8") }
    }),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)
