/**
 * Reading Node's system errors: the `code` (`ECONNREFUSED`, `ENOTFOUND`, ...) and a readable
 * text for the DNS codes, whose messages Node leaves terse (`queryAaaa ENODATA example.com`).
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"

/** The `code` of a Node error, when it has one. */
export const codeOf = (cause: unknown): string | undefined =>
  Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : undefined

/** The `message` of an error, or its text. */
export const messageOf = (cause: unknown): string =>
  Predicate.hasProperty(cause, "message") && typeof cause.message === "string" ? cause.message : String(cause)

/**
 * A text cut to its first `limit` characters and `…`, for messages: a Node message may echo a
 * whole input (`"vvv…" is not a valid minimum TLS protocol version`).
 */
export const truncated = (text: string, limit: number): string =>
  text.length > limit ? `${text.slice(0, limit)}…` : text

/** What each `node:dns` error code means, after the `dns` module's documentation. */
const dnsMeanings: Record<string, string> = {
  ENODATA: "no address of that family",
  ENOTFOUND: "no such domain name",
  EAI_AGAIN: "temporary failure in name resolution",
  EAI_FAIL: "non-recoverable failure in name resolution",
  EAI_NONAME: "no such domain name",
  ETIMEOUT: "the DNS query timed out",
  ECONNREFUSED: "the DNS server refused the connection",
  ESERVFAIL: "the DNS server returned a general failure",
  EREFUSED: "the DNS server refused the query",
  EFORMERR: "the DNS server says the query was malformed",
  EBADRESP: "the DNS server sent a malformed reply",
  ECANCELLED: "the DNS query was cancelled"
}

/**
 * A message for a failed lookup. It does not name the family, so that both families failing
 * alike read as one message (the combined `ResolveError` then shows it once).
 */
export const resolveMessage = (source: "getaddrinfo" | "DNS query", host: string, cause: unknown): string => {
  const code = codeOf(cause)
  const meaning = code === undefined ? undefined : dnsMeanings[code]
  return code === undefined ?
    `${source} ${host}: ${messageOf(cause)}` :
    `${source} ${code} ${host}${meaning === undefined ? "" : ` (${meaning})`}`
}
