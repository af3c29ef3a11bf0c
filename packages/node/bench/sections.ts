/**
 * sections.ts: named sections of docs/benchmarks.md that a bench of its own writes, between
 * `<!-- NAME:begin -->` and `<!-- NAME:end -->`, replaced in place or appended; lab.ts, which
 * writes the rest of the page, keeps them.
 */

const markers = (name: string) => [`<!-- ${name}:begin -->`, `<!-- ${name}:end -->`] as const

/** The sections other benches write. */
export const names: ReadonlyArray<string> = ["http", "history"]

/** `text` (which holds its own markers) as section `name` of `page`. */
export const withSection = (page: string, name: string, text: string): string => {
  const [begin, end] = markers(name)
  const from = page.indexOf(begin)
  const to = page.indexOf(end)
  if (from === -1 || to === -1) return `${page.trimEnd()}\n\n${text}\n`
  return `${page.slice(0, from)}${text}${page.slice(to + end.length)}`
}

/** Section `name` of `page`, markers included, if it has one. */
export const sectionOf = (page: string, name: string): string | undefined => {
  const [begin, end] = markers(name)
  const from = page.indexOf(begin)
  const to = page.indexOf(end)
  return from === -1 || to === -1 ? undefined : page.slice(from, to + end.length)
}

/** Wraps `body` in section `name`'s markers. */
export const section = (name: string, body: string): string => {
  const [begin, end] = markers(name)
  return `${begin}\n${body.trim()}\n${end}`
}
