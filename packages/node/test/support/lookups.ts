/**
 * A scripted `GetAddrInfo` for socket tests: names with the loopback addresses of each family,
 * optionally answered late. Unknown names fail as the system resolver would.
 */
import type * as AddrInfo from "@effect-stagger/core/AddrInfo"
import * as GetAddrInfo from "@effect-stagger/core/GetAddrInfo"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface Names {
  readonly [name: string]: {
    readonly 6?: ReadonlyArray<string>
    readonly 4?: ReadonlyArray<string>
    /** How late each family's lookup answers. */
    readonly delay?: { readonly 6?: Duration.DurationInput; readonly 4?: Duration.DurationInput }
  }
}

export const scripted = (names: Names): Layer.Layer<GetAddrInfo.GetAddrInfo> =>
  Layer.succeed(GetAddrInfo.GetAddrInfo, {
    lookup: (host, port, { family }) => {
      const entry = names[host]
      if (entry === undefined) {
        return Effect.fail(
          new GetAddrInfo.ResolveError({ host, family, code: "ENOTFOUND", message: `getaddrinfo ENOTFOUND ${host}` })
        )
      }
      const of = (f: AddrInfo.Family) =>
        (entry[f] ?? []).map((address): AddrInfo.AddrInfo => ({ family: f, address, port }))
      const addresses = family === 0 ? [...of(6), ...of(4)] : of(family)
      const delay = family === 0 ? undefined : entry.delay?.[family]
      return delay === undefined
        ? Effect.succeed(addresses)
        : Effect.as(Effect.sleep(Duration.decode(delay)), addresses)
    }
  })
