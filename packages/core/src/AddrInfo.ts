/**
 * Addresses as Happy Eyeballs sees them: a resolved remote endpoint and an optional local
 * address to bind.
 *
 * @since 0.1.0
 */
import * as ip from "./internal/ip.js"
import * as rfc6724 from "./internal/rfc6724.js"

/**
 * An IP address family: `4` for IPv4, `6` for IPv6.
 *
 * @since 0.1.0
 * @category models
 */
export type Family = 4 | 6

/**
 * A family to ask a resolver for: `0` means both, in the system's preferred order.
 *
 * @since 0.1.0
 * @category models
 */
export type FamilyOption = 0 | 4 | 6

/**
 * One resolved remote endpoint: an IP literal, its family and the port to connect to.
 * It is async_stagger's addrinfo 5-tuple without the socket type and protocol, which are always
 * TCP here.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddrInfo {
  readonly family: Family
  readonly address: string
  readonly port: number
}

/**
 * A local address to bind before connecting: an IP literal (an IPv6 zone such as
 * `fe80::1%eth0` is allowed) and an optional port, where `0` or absent means any.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalAddress {
  readonly address: string
  readonly port?: number
}

/**
 * Builds an `AddrInfo` from an IP literal, or returns `undefined` when the text is not one.
 *
 * @example
 * ```ts
 * import { AddrInfo } from "@effect-stagger/core"
 *
 * console.log(AddrInfo.fromLiteral("2001:db8::1", 443))
 * // { family: 6, address: "2001:db8::1", port: 443 }
 * console.log(AddrInfo.fromLiteral("example.com", 443))
 * // undefined
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromLiteral = (address: string, port: number): AddrInfo | undefined => {
  const family = ip.ipFamily(address)
  return family === 0 ? undefined : { family, address, port }
}

/**
 * The family of an IP literal, or `0` when the text is not an IP literal.
 *
 * @since 0.1.0
 * @category guards
 */
export const ipFamily: (text: string) => FamilyOption = ip.ipFamily

/**
 * Whether the text is an IPv4 literal in dotted-quad form.
 *
 * @since 0.1.0
 * @category guards
 */
export const isIPv4: (text: string) => boolean = ip.isIPv4

/**
 * Whether the text is an IPv6 literal, with or without a zone index.
 *
 * @since 0.1.0
 * @category guards
 */
export const isIPv6: (text: string) => boolean = ip.isIPv6

/**
 * Formats an endpoint as `host:port`, bracketing IPv6 literals (`[::1]:443`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatHostPort = (host: string, port: number | string): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`

/**
 * Formats an `AddrInfo` as `address:port`, bracketing IPv6 literals.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (self: AddrInfo): string => formatHostPort(self.address, self.port)

/**
 * Sorts destinations as RFC 6724 section 6 does, given the source address the system would
 * use for each: the order a system `getaddrinfo` gives its answers. Pure and stable.
 *
 * Details
 *
 * `sourceOf` returns the source address for a destination (an IP literal; a zone such as
 * `%eth0` is ignored), or `undefined` when the destination cannot be reached. The rules
 * applied, in order: 1 (avoid unusable destinations: no source, or a destination or source
 * that is no IP literal, sorts last), 2 (prefer matching scope), 5 (prefer matching label),
 * 6 (prefer higher precedence), 8 (prefer smaller scope), 9 (use longest matching prefix,
 * counted up to 64 bits, between IPv6 destinations only: for IPv4 it needs the source's
 * subnet mask) and 10 (otherwise leave the order unchanged). Rules 3, 4 and 7 are not: they
 * need to know whether the source is deprecated, a mobile home address, or reached through a
 * tunnel, which a source address does not tell. Labels and precedences are those of the
 * default policy table (section 2.1); IPv4 addresses are compared as IPv4-mapped IPv6.
 * `sourceOf` is called once per destination.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6724#section-6
 * @example
 * ```ts
 * import { AddrInfo } from "@effect-stagger/core"
 *
 * const answer: ReadonlyArray<AddrInfo.AddrInfo> = [
 *   { family: 6, address: "2001:db8::1", port: 443 },
 *   { family: 4, address: "192.0.2.1", port: 443 },
 *   { family: 6, address: "::1", port: 443 }
 * ]
 * // This host has no IPv6 route but loopback: 2001:db8::1 has no source.
 * const sources: Record<string, string | undefined> = { "192.0.2.1": "192.0.2.7", "::1": "::1" }
 * const sorted = AddrInfo.sortByRfc6724(answer, (d) => sources[d.address])
 * console.log(sorted.map((d) => d.address))
 * // [ "::1", "192.0.2.1", "2001:db8::1" ]
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const sortByRfc6724: (
  destinations: ReadonlyArray<AddrInfo>,
  sourceOf: (destination: AddrInfo) => string | undefined
) => ReadonlyArray<AddrInfo> = rfc6724.sortByRfc6724
