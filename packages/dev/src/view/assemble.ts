import { createLangfuseModel, type TraceNode, type TraceView } from '@fusewire/langfuse-model';
import type { StoredTrace } from '../store/types.js';
import { DEV_PRICES } from './prices.js';
import { LEVELS, type Level, type TraceSummary, type ViewNode, type ViewTrace } from './types.js';

/**
 * What Langfuse v4 would show for one stored trace, computed by @fusewire/langfuse-model (the same code
 * `createTestFusewire().traces()` uses). A fresh model per trace keeps eviction trivial.
 */
export function modelTrace(stored: StoredTrace): TraceView | undefined {
  const model = createLangfuseModel({ prices: DEV_PRICES });
  const resourceSpans = [...stored.spans.values()].map((s) => ({
    resource: s.resource,
    scopeSpans: [{ scope: s.scope, spans: [s.span] }],
  }));
  if (resourceSpans.length > 0) model.ingestOtlp({ resourceSpans });
  if (stored.events.length > 0) model.ingestBatch(stored.events.map((e) => e.event));
  return model.trace(stored.id);
}

function levelOf(value: string): Level {
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : 'DEFAULT';
}

function toViewNode(node: TraceNode): ViewNode {
  const { children, seq: _seq, ...rest } = node;
  return { ...rest, children: children.map(toViewNode) };
}

/** The model's trace plus what the page shows at a glance: level, error count, duration. */
export function toViewTrace(trace: TraceView, receivedAt: number): ViewTrace {
  const { roots, observations, ...fields } = trace;
  let level: Level = 'DEBUG';
  let errorCount = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const o of observations) {
    const l = levelOf(o.level);
    if (LEVELS.indexOf(l) > LEVELS.indexOf(level)) level = l;
    if (l === 'ERROR') errorCount++;
    if (o.startTime !== undefined) start = Math.min(start, o.startTime);
    end = Math.max(end, o.endTime ?? o.startTime ?? end);
  }
  if (observations.length === 0) level = 'DEFAULT';
  const view: ViewTrace = {
    ...fields,
    roots: roots.map(toViewNode),
    observationCount: observations.length,
    level,
    errorCount,
    receivedAt,
  };
  if (end >= start) view.durationMs = end - start;
  return view;
}

/** One row of the trace list. */
export function summarize(trace: TraceView, view: ViewTrace): TraceSummary {
  const models = new Set<string>();
  let tokens = 0;
  let anyTokens = false;
  for (const o of trace.observations) {
    if (o.model) models.add(o.model);
    const total = o.usage?.total ?? (o.usage ? (o.usage.input ?? 0) + (o.usage.output ?? 0) : undefined);
    if (total !== undefined) {
      tokens += total;
      anyTokens = true;
    }
  }
  const summary: TraceSummary = {
    id: view.id,
    tags: view.tags ?? [],
    level: view.level,
    errorCount: view.errorCount,
    observationCount: view.observationCount,
    models: [...models],
    totalCost: view.totalCost,
    receivedAt: view.receivedAt,
  };
  for (const key of ['name', 'userId', 'sessionId', 'environment', 'timestamp', 'durationMs'] as const) {
    if (view[key] !== undefined) (summary as unknown as Record<string, unknown>)[key] = view[key];
  }
  if (anyTokens) summary.totalTokens = tokens;
  return summary;
}
