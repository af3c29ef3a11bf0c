/**
 * chart.ts: the benchmark's grouped bar chart as a standalone SVG document (no dependencies).
 *
 * Why: docs/benchmarks.md shows the lab benchmark at a glance. Times span four orders of
 * magnitude (a 1 ms connect beside a 5 s timeout), so the time axis is logarithmic: a linear
 * one would flatten every healthy scenario to nothing. One group per scenario, one bar per
 * client, the RFC 8305 ideal as a marker across the group; a timed-out client is a hatched bar
 * up to its cap, a client that failed fast is a cross with its reason.
 *
 * `render` is pure: data in, SVG text out; bench/lab.ts writes the file.
 */

/** One client: a bar colour and a legend entry. */
export interface Series {
  readonly name: string
  readonly color: string
}

/** One client's result in one scenario. */
export type Bar =
  | { readonly _tag: "Value"; readonly ms: number }
  /** Gave up at its cap without connecting: drawn up to `ms`, hatched, labelled ">ms". */
  | { readonly _tag: "Timeout"; readonly ms: number }
  /** Failed without connecting (e.g. EINVAL at once): a cross and `reason`. */
  | { readonly _tag: "Failed"; readonly reason: string }
  | { readonly _tag: "Missing" }

/** One scenario: a label under the group, the ideal time, one bar per series. */
export interface Group {
  readonly label: string
  readonly sublabel: string
  readonly idealMs: number
  readonly bars: ReadonlyArray<Bar>
}

export interface Chart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  readonly groups: ReadonlyArray<Group>
  /** The bottom of the log axis: smaller values (and an ideal of 0) sit on it. */
  readonly floorMs: number
  /** The top of the log axis. */
  readonly ceilingMs: number
}

const width = 1000
const height = 500
const margin = { top: 56, right: 20, bottom: 70, left: 72 }
const plotWidth = width - margin.left - margin.right
const plotHeight = height - margin.top - margin.bottom

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const fixed = (n: number): string => n.toFixed(1)

/** A time as a short label: 0.84, 12.3, 254, 1561. */
export const formatMs = (ms: number): string =>
  ms < 10 ? ms.toFixed(2).replace(/0$/, "") : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)

/** The y coordinate of a time on the log axis, clamped to the plot. */
const yOf = (chart: Chart, ms: number): number => {
  const low = Math.log10(chart.floorMs)
  const high = Math.log10(chart.ceilingMs)
  const value = Math.log10(Math.min(Math.max(ms, chart.floorMs), chart.ceilingMs))
  return margin.top + plotHeight * (1 - (value - low) / (high - low))
}

/** Ticks at 1, 10, 100, ... within the axis, with the 2 and 5 in between as minor ticks. */
const ticks = (chart: Chart): ReadonlyArray<{ readonly ms: number; readonly major: boolean }> => {
  const out: Array<{ ms: number; major: boolean }> = []
  for (let exponent = Math.floor(Math.log10(chart.floorMs)); 10 ** exponent <= chart.ceilingMs; exponent++) {
    for (const factor of [1, 2, 5]) {
      const ms = factor * 10 ** exponent
      if (ms >= chart.floorMs && ms <= chart.ceilingMs) out.push({ ms, major: factor === 1 })
    }
  }
  return out
}

const tickLabel = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`)

const axes = (chart: Chart): Array<string> => {
  const lines: Array<string> = []
  for (const { major, ms } of ticks(chart)) {
    const y = fixed(yOf(chart, ms))
    lines.push(
      `<line x1="${margin.left}" y1="${y}" x2="${width - margin.right}" y2="${y}" ` +
        `stroke="${major ? "#d0d0d0" : "#eeeeee"}" stroke-width="1"/>`
    )
    if (major || ms < 10) {
      lines.push(
        `<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" ` +
          `font-size="11" fill="#444">${tickLabel(ms)}</text>`
      )
    }
  }
  const bottom = margin.top + plotHeight
  lines.push(
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${bottom}" stroke="#444"/>`,
    `<line x1="${margin.left}" y1="${bottom}" x2="${width - margin.right}" y2="${bottom}" stroke="#444"/>`,
    `<text transform="translate(18 ${fixed(margin.top + plotHeight / 2)}) rotate(-90)" text-anchor="middle" ` +
      `font-size="13" fill="#222">${escape(chart.yLabel)}</text>`,
    `<text x="${fixed(margin.left + plotWidth / 2)}" y="${height - 12}" text-anchor="middle" font-size="13" ` +
      `fill="#222">${escape(chart.xLabel)}</text>`
  )
  return lines
}

const legend = (chart: Chart): Array<string> => {
  const lines: Array<string> = []
  let x = margin.left
  const y = 38
  for (const series of chart.series) {
    lines.push(
      `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${x + 17}" y="${y + 1}" font-size="12" fill="#222">${escape(series.name)}</text>`
    )
    x += 24 + series.name.length * 6.6
  }
  lines.push(
    `<line x1="${x}" y1="${y - 3}" x2="${x + 22}" y2="${y - 3}" stroke="#111" stroke-width="2.5"/>`,
    `<text x="${x + 27}" y="${y + 1}" font-size="12" fill="#222">ideal (RFC 8305, 250 ms attempt delay)</text>`
  )
  x += 270
  lines.push(
    `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="url(#hatch)" stroke="#666"/>`,
    `<text x="${x + 17}" y="${y + 1}" font-size="12" fill="#222">timed out at the cap</text>`
  )
  return lines
}

const group = (chart: Chart, g: Group, index: number): Array<string> => {
  const groupWidth = plotWidth / chart.groups.length
  const x0 = margin.left + groupWidth * index
  const barWidth = Math.min(24, (groupWidth * 0.8) / chart.series.length)
  const barsStart = x0 + (groupWidth - barWidth * chart.series.length) / 2
  const bottom = margin.top + plotHeight
  const lines: Array<string> = []
  g.bars.forEach((bar, i) => {
    const series = chart.series[i]
    const x = barsStart + i * barWidth
    const middle = fixed(x + barWidth / 2)
    const valueLabel = (y: number, text: string) =>
      `<text transform="translate(${fixed(x + barWidth / 2 + 3.5)} ${fixed(y - 4)}) rotate(-90)" ` +
      `font-size="10" fill="#333">${escape(text)}</text>`
    switch (bar._tag) {
      case "Value":
      case "Timeout": {
        const y = yOf(chart, bar.ms)
        const fill = bar._tag === "Value" ? series.color : "url(#hatch)"
        lines.push(
          `<rect x="${fixed(x + 1)}" y="${fixed(y)}" width="${fixed(barWidth - 2)}" height="${fixed(bottom - y)}" ` +
            `fill="${fill}" stroke="${bar._tag === "Value" ? "none" : series.color}">` +
            `<title>${escape(`${g.label} ${series.name}: ${bar._tag === "Value" ? "" : ">"}${formatMs(bar.ms)} ms`)}` +
            `</title></rect>`,
          valueLabel(y, bar._tag === "Value" ? formatMs(bar.ms) : `>${formatMs(bar.ms)}`)
        )
        break
      }
      case "Failed":
        lines.push(
          `<text x="${middle}" y="${fixed(bottom - 6)}" text-anchor="middle" font-size="14" font-weight="bold" ` +
            `fill="${series.color}">\u2717<title>${escape(`${g.label} ${series.name}: ${bar.reason}`)}</title></text>`,
          valueLabel(bottom - 20, `fails: ${bar.reason}`)
        )
        break
      case "Missing":
        break
    }
  })
  const idealY = fixed(yOf(chart, g.idealMs))
  lines.push(
    `<line x1="${fixed(barsStart - 4)}" y1="${idealY}" x2="${fixed(barsStart + barWidth * chart.series.length + 4)}" ` +
      `y2="${idealY}" stroke="#111" stroke-width="2.5"><title>${escape(`${g.label} ideal: ${g.idealMs} ms`)}` +
      `</title></line>`,
    `<text x="${fixed(x0 + groupWidth / 2)}" y="${bottom + 18}" text-anchor="middle" font-size="13" ` +
      `font-weight="bold" fill="#222">${escape(g.label)}</text>`,
    `<text x="${fixed(x0 + groupWidth / 2)}" y="${bottom + 33}" text-anchor="middle" font-size="10" ` +
      `fill="#555">${escape(g.sublabel)}</text>`
  )
  return lines
}

/** The chart as an SVG document. */
export const render = (chart: Chart): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect width="6" height="6" fill="#f4f4f4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/>` +
    `</pattern></defs>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="20" font-size="15" font-weight="bold" fill="#111">${escape(chart.title)}</text>`,
    ...axes(chart),
    ...chart.groups.flatMap((g, i) => group(chart, g, i)),
    ...legend(chart),
    "</svg>",
    ""
  ].join("\n")
