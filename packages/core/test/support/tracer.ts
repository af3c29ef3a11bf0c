/**
 * A tracer for tests that keeps every span it makes (Effect's own spans, recorded), shared by
 * the core's and the Node package's span tests.
 */
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

/** A tracer that keeps every span it makes, and the spans it has made so far. */
export const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = native.span(name, parent, context, links, startTime, kind, options)
      spans.push(span)
      return span
    },
    context: native.context
  })
  return { spans, tracer }
})
