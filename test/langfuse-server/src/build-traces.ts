import type { Attributes, IngestionEvent, ReceivedSpan, TraceNode, TraceView } from './types.js';

interface TraceDraft {
  view: TraceView;
  nodes: Map<string, TraceNode>;
  /** Name of a root span, used when no `langfuse.trace.name` was set. */
  rootName?: string;
  /** Ingestion observations whose create event was seen (an update may come first). */
  created: Set<string>;
}

const TRACE_METADATA_PREFIX = 'langfuse.trace.metadata.';
const OBSERVATION_METADATA_PREFIX = 'langfuse.observation.metadata.';

/** Attribute values holding JSON are sent as strings; give tests the parsed value when it parses. */
function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Integer nanoseconds as a BigInt; undefined for 0 or junk. */
function nanosOf(value: string): bigint | undefined {
  try {
    const n = BigInt(value);
    return n > 0n ? n : undefined;
  } catch {
    const n = Number(value);
    return n > 0 ? BigInt(Math.round(n)) : undefined;
  }
}

/** Nanoseconds to milliseconds, exact to the microsecond (a double cannot hold epoch nanos). */
function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}

function isoToMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function draftOf(traces: Map<string, TraceDraft>, id: string): TraceDraft {
  let draft = traces.get(id);
  if (!draft) {
    draft = {
      view: { id, roots: [], observations: [], scores: [], sources: [] },
      nodes: new Map(),
      created: new Set(),
    };
    traces.set(id, draft);
  }
  return draft;
}

function markSource(view: TraceView, source: 'otlp' | 'ingestion'): void {
  if (!view.sources.includes(source)) view.sources.push(source);
}

/** Merge metadata given as one JSON attribute plus flattened `<prefix><key>` attributes. */
function metadataFrom(attributes: Attributes, whole: string, prefix: string): Record<string, unknown> | undefined {
  let metadata = asRecord(parseMaybeJson(attributes[whole]));
  for (const key in attributes) {
    if (key.startsWith(prefix)) {
      metadata = { ...metadata, [key.slice(prefix.length)]: parseMaybeJson(attributes[key]) };
    }
  }
  return metadata;
}

function applySpanToTrace(draft: TraceDraft, span: ReceivedSpan): void {
  const a = span.attributes;
  const view = draft.view;
  if (typeof a['langfuse.trace.name'] === 'string') view.name = a['langfuse.trace.name'];
  if (a['langfuse.trace.input'] !== undefined) view.input = parseMaybeJson(a['langfuse.trace.input']);
  if (a['langfuse.trace.output'] !== undefined) view.output = parseMaybeJson(a['langfuse.trace.output']);
  const userId = a['user.id'] ?? a['langfuse.user.id'];
  if (typeof userId === 'string') view.userId = userId;
  const sessionId = a['session.id'] ?? a['langfuse.session.id'];
  if (typeof sessionId === 'string') view.sessionId = sessionId;
  const tags = parseMaybeJson(a['langfuse.trace.tags']);
  if (Array.isArray(tags)) view.tags = tags.map(String);
  const metadata = metadataFrom(a, 'langfuse.trace.metadata', TRACE_METADATA_PREFIX);
  if (metadata) view.metadata = { ...view.metadata, ...metadata };
  if (typeof a['langfuse.trace.public'] === 'boolean') view.public = a['langfuse.trace.public'];
  const environment = a['langfuse.environment'] ?? span.resource['deployment.environment'];
  if (typeof environment === 'string') view.environment = environment;
  if (typeof a['langfuse.release'] === 'string') view.release = a['langfuse.release'];
  if (!span.parentSpanId || a['langfuse.internal.as_root'] === true) draft.rootName = span.name;
}

function nodeFromSpan(span: ReceivedSpan): TraceNode {
  const a = span.attributes;
  const startNanos = nanosOf(span.startTimeUnixNano);
  const endNanos = nanosOf(span.endTimeUnixNano);
  const node: TraceNode = {
    id: span.spanId,
    traceId: span.traceId,
    name: span.name,
    type: typeof a['langfuse.observation.type'] === 'string' ? a['langfuse.observation.type'] : 'span',
    source: 'otlp',
    attributes: a,
    children: [],
  };
  if (span.parentSpanId) node.parentId = span.parentSpanId;
  if (startNanos !== undefined) node.startTime = nanosToMs(startNanos);
  if (endNanos !== undefined) node.endTime = nanosToMs(endNanos);
  if (startNanos !== undefined && endNanos !== undefined) node.durationMs = Number(endNanos - startNanos) / 1e6;
  if (a['langfuse.observation.input'] !== undefined) node.input = parseMaybeJson(a['langfuse.observation.input']);
  if (a['langfuse.observation.output'] !== undefined) node.output = parseMaybeJson(a['langfuse.observation.output']);
  const metadata = metadataFrom(a, 'langfuse.observation.metadata', OBSERVATION_METADATA_PREFIX);
  if (metadata) node.metadata = metadata;
  const model = a['langfuse.observation.model.name'] ?? a['gen_ai.request.model'];
  if (typeof model === 'string') node.model = model;
  const usage = asRecord(parseMaybeJson(a['langfuse.observation.usage_details']));
  if (usage) node.usage = usage;
  const level = a['langfuse.observation.level'];
  // Langfuse turns an OTel ERROR status into level ERROR when no level was given.
  if (typeof level === 'string') node.level = level;
  else if (span.status.code === 2) node.level = 'ERROR';
  const statusMessage = a['langfuse.observation.status_message'] ?? span.status.message;
  if (typeof statusMessage === 'string') node.statusMessage = statusMessage;
  return node;
}

function applyTraceEvent(draft: TraceDraft, body: Record<string, any>): void {
  const view = draft.view;
  for (const key of ['name', 'userId', 'sessionId', 'environment', 'release'] as const) {
    if (typeof body[key] === 'string') view[key] = body[key];
  }
  if ('input' in body) view.input = body.input;
  if ('output' in body) view.output = body.output;
  if (Array.isArray(body.tags)) view.tags = body.tags.map(String);
  if (typeof body.public === 'boolean') view.public = body.public;
  const metadata = asRecord(body.metadata);
  if (metadata) view.metadata = { ...view.metadata, ...metadata };
}

function applyObservationEvent(draft: TraceDraft, event: IngestionEvent): void {
  const body = event.body;
  const id = String(body.id);
  let node = draft.nodes.get(id);
  if (!node) {
    node = {
      id,
      traceId: draft.view.id,
      name: '',
      type: event.type.replace(/-(create|update)$/, ''),
      source: 'ingestion',
      body: {},
      children: [],
    };
    draft.nodes.set(id, node);
  }
  if (event.type.endsWith('-create') && !draft.created.has(id)) {
    // An update may arrive before its create; the create's type is the real one.
    draft.created.add(id);
    node.type = event.type.slice(0, -'-create'.length);
  }
  // Omitted fields keep their value, explicit null clears: Object.assign does exactly that.
  const merged = Object.assign(node.body ?? {}, body);
  node.body = merged;
  node.name = typeof merged.name === 'string' ? merged.name : node.name;
  if (typeof merged.parentObservationId === 'string') node.parentId = merged.parentObservationId;
  else delete node.parentId;
  const startTime = isoToMs(merged.startTime);
  const endTime = isoToMs(merged.endTime);
  if (startTime !== undefined) node.startTime = startTime;
  if (endTime !== undefined) node.endTime = endTime;
  if (startTime !== undefined && endTime !== undefined) node.durationMs = endTime - startTime;
  for (const key of ['input', 'output'] as const) if (key in merged) node[key] = merged[key];
  const metadata = asRecord(merged.metadata);
  if (metadata) node.metadata = metadata;
  if (typeof merged.model === 'string') node.model = merged.model;
  const usage = asRecord(merged.usageDetails) ?? asRecord(merged.usage);
  if (usage) node.usage = usage;
  if (typeof merged.level === 'string') node.level = merged.level;
  if (typeof merged.statusMessage === 'string') node.statusMessage = merged.statusMessage;
}

/** Keep the last copy of each id, in first-seen order. */
function lastById<T>(items: readonly T[], idOf: (item: T) => string): T[] {
  const byId = new Map<string, T>();
  for (const item of items) byId.set(idOf(item), item);
  return [...byId.values()];
}

function byStart(a: TraceNode, b: TraceNode): number {
  return (a.startTime ?? Number.POSITIVE_INFINITY) - (b.startTime ?? Number.POSITIVE_INFINITY);
}

/**
 * Group accepted spans and ingestion events into traces and build each observation tree, so a test
 * sees one shape whichever transport was used. Duplicates (same spanId / envelope id) count once;
 * ingestion events merge in envelope-timestamp order, like Langfuse; trace fields merge, later wins.
 */
export function buildTraces(spans: readonly ReceivedSpan[], events: readonly IngestionEvent[]): TraceView[] {
  const traces = new Map<string, TraceDraft>();

  for (const span of lastById(spans, (s) => s.spanId)) {
    const draft = draftOf(traces, span.traceId);
    markSource(draft.view, 'otlp');
    applySpanToTrace(draft, span);
    draft.nodes.set(span.spanId, nodeFromSpan(span));
  }

  const traceOfObservation = new Map<string, string>();
  for (const e of events) {
    if (typeof e.body?.traceId === 'string' && e.body.id !== undefined && e.type !== 'score-create') {
      traceOfObservation.set(String(e.body.id), e.body.traceId);
    }
  }
  const ordered = lastById(events, (e) => e.id)
    .map((event, index) => ({ event, index, at: Date.parse(event.timestamp) || 0 }))
    .sort((a, b) => a.at - b.at || a.index - b.index);
  for (const { event } of ordered) {
    const body = event.body;
    if (event.type === 'sdk-log') continue;
    if (event.type === 'score-create') {
      if (typeof body.traceId !== 'string') continue;
      const draft = draftOf(traces, body.traceId);
      draft.view.scores.push({
        ...(body.id !== undefined && { id: String(body.id) }),
        name: String(body.name),
        value: body.value,
        ...(typeof body.observationId === 'string' && { observationId: body.observationId }),
        ...(typeof body.comment === 'string' && { comment: body.comment }),
        ...(typeof body.dataType === 'string' && { dataType: body.dataType }),
      });
      continue;
    }
    if (event.type === 'trace-create') {
      const draft = draftOf(traces, typeof body.id === 'string' ? body.id : '(no trace id)');
      markSource(draft.view, 'ingestion');
      applyTraceEvent(draft, body);
      continue;
    }
    // Updates often omit traceId: find it on another event of the same observation.
    const traceId = typeof body.traceId === 'string' ? body.traceId : traceOfObservation.get(String(body.id));
    const draft = draftOf(traces, traceId ?? '(no trace id)');
    markSource(draft.view, 'ingestion');
    applyObservationEvent(draft, event);
  }

  const out: TraceView[] = [];
  for (const draft of traces.values()) {
    const view = draft.view;
    if (view.name === undefined && draft.rootName !== undefined) view.name = draft.rootName;
    for (const node of draft.nodes.values()) {
      view.observations.push(node);
      const parent = node.parentId === undefined ? undefined : draft.nodes.get(node.parentId);
      if (parent && parent !== node) parent.children.push(node);
      else view.roots.push(node);
    }
    view.roots.sort(byStart);
    for (const node of view.observations) node.children.sort(byStart);
    out.push(view);
  }
  return out;
}
