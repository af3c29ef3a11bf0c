/**
 * IP literal parsing, without `node:net`, so that core stays platform-neutral.
 *
 * The grammar follows what Node's `net.isIP` accepts: dotted-quad IPv4 with no leading zeros,
 * and RFC 4291 IPv6 text (at most one `::`, an optional trailing dotted quad) with an optional
 * RFC 4007 zone (`fe80::1%eth0`). One difference: a zone may hold `_`, as Linux interface
 * names may.
 *
 * @internal
 */

const isDecOctet = (part: string): boolean => {
  if (part.length === 0 || part.length > 3) return false
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  if (part.length > 1 && part.charCodeAt(0) === 48) return false
  return Number(part) <= 255
}

/** @internal */
export const isIPv4 = (text: string): boolean => {
  const parts = text.split(".")
  return parts.length === 4 && parts.every(isDecOctet)
}

const isHexGroup = (group: string): boolean => {
  if (group.length === 0 || group.length > 4) return false
  for (let i = 0; i < group.length; i++) {
    const c = group.charCodeAt(i) | 0x20 // fold ASCII letters to lower case
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

/** Counts the 16-bit groups of one side of `::`, or -1 when the side is malformed. */
const countGroups = (side: string, mayEndInIPv4: boolean): number => {
  if (side === "") return 0
  const groups = side.split(":")
  let count = 0
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]
    if (mayEndInIPv4 && i === groups.length - 1 && group.includes(".")) {
      if (!isIPv4(group)) return -1
      count += 2
    } else if (isHexGroup(group)) {
      count += 1
    } else {
      return -1
    }
  }
  return count
}

/** @internal */
export const isIPv6 = (text: string): boolean => {
  const zone = text.indexOf("%")
  if (zone !== -1) {
    // An RFC 4007 zone index: an interface name or number, in the characters Node accepts
    // plus `_`, which Linux interface names may hold (docker_gwbridge).
    if (!/^[0-9A-Za-z._:-]+$/.test(text.slice(zone + 1))) return false
    text = text.slice(0, zone)
  }
  const halves = text.split("::")
  if (halves.length > 2) return false
  if (halves.length === 1) return countGroups(text, true) === 8
  const head = countGroups(halves[0], false)
  const tail = countGroups(halves[1], true)
  return head !== -1 && tail !== -1 && head + tail <= 7
}

/** @internal */
export const ipFamily = (text: string): 0 | 4 | 6 => isIPv4(text) ? 4 : isIPv6(text) ? 6 : 0
