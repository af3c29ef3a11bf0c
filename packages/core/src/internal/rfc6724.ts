/**
 * RFC 6724 section 6, destination address selection, over what a resolver can know: each
 * destination and the source address the system would send from.
 *
 * The problem: a DNS answer comes in the server's order, which knows nothing of this host. An
 * address with no route, a 6to4 or Teredo address where native IPv6 exists, or a global
 * address where a loopback one answers, would be attempted first. A system `getaddrinfo`
 * sorts its answer by RFC 6724; DNS queries made directly (`node:dns` `Resolver`) are not.
 *
 * The approach: each destination gets one key per rule, smaller being preferred, and a stable
 * sort orders them by those keys in turn (rule 10: ties keep their order). Rules 3, 4 and 7
 * are left out: they need to know whether the source is deprecated (RFC 4862), a mobile
 * home address (RFC 6275), or reached through a tunnel, which a source address alone does not
 * say. The policy table is section 2.1's default, IPv4 being looked up as IPv4-mapped
 * (`::ffff:a.b.c.d`), as section 2.1 says.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6724#section-6
 * @internal
 */
import type { AddrInfo } from "../AddrInfo.js"
import * as ip from "./ip.js"

/** An address as its eight 16-bit groups; an IPv4 address as IPv4-mapped IPv6. */
type Groups = ReadonlyArray<number>

const dottedQuadGroups = (text: string): Array<number> => {
  const [a, b, c, d] = text.split(".").map(Number)
  return [(a << 8) | b, (c << 8) | d]
}

const sideGroups = (side: string): Array<number> =>
  side === "" ? [] : side.split(":").flatMap((g) => g.includes(".") ? dottedQuadGroups(g) : [parseInt(g, 16)])

/**
 * The groups of an IP literal, its zone (`%eth0`) ignored, or `undefined` when the text is
 * none. `ip.ts` has already checked the grammar, so the split below cannot go wrong.
 */
export const parse = (text: string): Groups | undefined => {
  if (ip.isIPv4(text)) return [0, 0, 0, 0, 0, 0xffff, ...dottedQuadGroups(text)]
  if (!ip.isIPv6(text)) return undefined
  const zone = text.indexOf("%")
  const [head, tail] = (zone === -1 ? text : text.slice(0, zone)).split("::")
  if (tail === undefined) return sideGroups(head)
  const left = sideGroups(head)
  const right = sideGroups(tail)
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
}

/** How many leading bits two addresses share (0 to 128). */
const commonPrefixLength = (a: Groups, b: Groups): number => {
  for (let i = 0; i < 8; i++) {
    const differ = a[i] ^ b[i]
    if (differ !== 0) return i * 16 + Math.clz32(differ) - 16
  }
  return 128
}

/** Whether the address is IPv4, seen as IPv4-mapped (`::ffff:0:0/96`). */
const isIPv4Mapped = (a: Groups): boolean =>
  a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0 && a[4] === 0 && a[5] === 0xffff

interface Policy {
  readonly prefix: Groups
  readonly length: number
  readonly precedence: number
  readonly label: number
}

const policy = (prefix: string, length: number, precedence: number, label: number): Policy => ({
  prefix: parse(prefix) ?? [],
  length,
  precedence,
  label
})

/**
 * Section 2.1's default policy table, longest prefix first so that the first match is the
 * longest matching prefix.
 */
const POLICY_TABLE: ReadonlyArray<Policy> = [
  policy("::1", 128, 50, 0),
  policy("::ffff:0:0", 96, 35, 4),
  policy("::", 96, 1, 3),
  policy("2001::", 32, 5, 5),
  policy("2002::", 16, 30, 2),
  policy("3ffe::", 16, 1, 12),
  policy("fec0::", 10, 1, 11),
  policy("fc00::", 7, 3, 13),
  policy("::", 0, 40, 1)
]

const policyOf = (a: Groups): Policy =>
  POLICY_TABLE.find((p) => commonPrefixLength(a, p.prefix) >= p.length) ?? POLICY_TABLE[POLICY_TABLE.length - 1]

/** Scope values of RFC 4291 section 2.7, which section 3.1 compares: smaller is narrower. */
const SCOPE_LINK_LOCAL = 0x2
const SCOPE_SITE_LOCAL = 0x5
const SCOPE_GLOBAL = 0xe

const scopeOf = (a: Groups): number => {
  // Section 3.2: IPv4 loopback (127/8) and auto-configuration (169.254/16) addresses are
  // link-local; every other IPv4 address is global.
  if (isIPv4Mapped(a)) return a[6] >> 8 === 127 || a[6] === 0xa9fe ? SCOPE_LINK_LOCAL : SCOPE_GLOBAL
  // A multicast address carries its scope in its second octet's low bits (RFC 4291 2.7).
  if (a[0] >> 8 === 0xff) return a[0] & 0xf
  if ((a[0] & 0xffc0) === 0xfe80) return SCOPE_LINK_LOCAL
  if ((a[0] & 0xffc0) === 0xfec0) return SCOPE_SITE_LOCAL
  // Section 3.4: the loopback address ::1 has link-local scope (RFC 4007 section 4).
  if (commonPrefixLength(a, POLICY_TABLE[0].prefix) === 128) return SCOPE_LINK_LOCAL
  return SCOPE_GLOBAL
}

/**
 * Section 2.2: CommonPrefixLen counts "up to the length of S's prefix (i.e., the portion of
 * the address not including the interface ID)", 64 bits for IPv6 unicast (RFC 4291 2.5.1).
 */
const IPV6_PREFIX_LENGTH = 64

/** A destination's keys, one per rule, in the rules' order; smaller is preferred. */
const keysOf = (destination: AddrInfo, source: string | undefined): ReadonlyArray<number> => {
  const d = parse(destination.address)
  const s = source === undefined ? undefined : parse(source)
  // Rule 1: avoid unusable destinations. No source means no route; such destinations tie
  // with each other on every later rule, which need the source or would order addresses
  // that cannot be reached.
  if (d === undefined || s === undefined) return [1]
  const dPolicy = policyOf(d)
  const dScope = scopeOf(d)
  return [
    0,
    // Rule 2: prefer matching scope.
    dScope === scopeOf(s) ? 0 : 1,
    // Rule 5: prefer matching label.
    dPolicy.label === policyOf(s).label ? 0 : 1,
    // Rule 6: prefer higher precedence.
    -dPolicy.precedence,
    // Rule 8: prefer smaller scope.
    dScope,
    // Rule 9: use longest matching prefix, between IPv6 destinations only. For IPv4 the
    // source's prefix is its subnet mask, which the source address does not give (glibc reads
    // it from the interface and counts only within it); counting bits across subnets would
    // reorder round-robin answers by accident, and section 6 lets an implementation supersede
    // rule 9. Rule 6 has already separated IPv4 (precedence 35, and no IPv6 prefix shares it)
    // from IPv6, so this key only ever meets one of the same family.
    isIPv4Mapped(d) ? 0 : -Math.min(commonPrefixLength(s, d), IPV6_PREFIX_LENGTH)
  ]
}

const compareKeys = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return 0
}

/** @internal */
export const sortByRfc6724 = (
  destinations: ReadonlyArray<AddrInfo>,
  sourceOf: (destination: AddrInfo) => string | undefined
): ReadonlyArray<AddrInfo> =>
  destinations
    .map((destination, index) => ({ destination, index, keys: keysOf(destination, sourceOf(destination)) }))
    // Rule 10: otherwise, leave the order unchanged.
    .sort((a, b) => compareKeys(a.keys, b.keys) || a.index - b.index)
    .map(({ destination }) => destination)
