import { DEFAULT_ENVIRONMENT, normalizeEnvironment } from './environment.js';
import { parseMetadataValue, nonEmpty } from './metadata.js';
import { costOf, priceOf } from './prices.js';
import { storedUsage } from './row-from-span.js';
import type { ObservationRow, PriceTable, ScoreView } from './types.js';
import { legacyUsage } from './usage.js';
import { isoToMs } from './values.js';

/** A trace as the batch API's `trace-create` events leave it (v3 merge rules). */
export interface TraceRecord {
  id: string;
  timestamp?: number;
  fields: Record<string, any>;
}

/** What a set of ingestion events stores: observation rows, trace records and scores. */
export interface BatchState {
  rows: Map<string, ObservationRow>;
  traces: Map<string, TraceRecord>;
  scores: Map<string, ScoreView[]>;
}

type Event = { id: string; timestamp: string; type: string; body: Record<string, any> };

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

function isEvent(e: unknown): e is Event {
  return isObject(e) && typeof e.id === 'string' && typeof e.type === 'string' && isObject(e.body);
}

/**
 * Events in the order Langfuse merges them: by envelope timestamp; within one millisecond, trace-creates
 * sort in reverse arrival (so a later update of the same millisecond loses), other events by arrival.
 */
function mergeOrder(events: readonly Event[]): Event[] {
  return events
    .map((event, index) => ({ event, index, at: Date.parse(event.timestamp) || 0 }))
    .sort((a, b) => {
      if (a.at !== b.at) return a.at - b.at;
      return a.event.type === 'trace-create' && b.event.type === 'trace-create' ? b.index - a.index : a.index - b.index;
    })
    .map((e) => e.event);
}

function applyTrace(traces: Map<string, TraceRecord>, body: Record<string, any>, timestamp: string): void {
  const id = typeof body.id === 'string' ? body.id : undefined;
  if (id === undefined) return; // reported 201, then discarded by Langfuse
  let record = traces.get(id);
  if (!record) {
    record = { id, fields: {} };
    const at = isoToMs(body.timestamp) ?? isoToMs(timestamp);
    if (at !== undefined) record.timestamp = at;
    traces.set(id, record);
  }
  const f = record.fields;
  Object.assign(f, body);
  // An omitted field is not "keep": Langfuse fills public and environment with defaults and drops release.
  if (body.public === undefined) f.public = false;
  if (body.release === undefined) delete f.release;
  f.environment =
    body.environment === undefined ? (f.environment ?? DEFAULT_ENVIRONMENT) : normalizeEnvironment(body.environment);
}

function applyObservation(
  state: BatchState,
  event: Event,
  traceOf: Map<string, string>,
  seq: number,
  prices: PriceTable,
): void {
  const body = event.body;
  const id = String(body.id);
  const traceId = typeof body.traceId === 'string' ? body.traceId : (traceOf.get(id) ?? '(no trace id)');
  let row = state.rows.get(id);
  const isCreate = event.type.endsWith('-create');
  if (!row) {
    row = {
      ...{ id, traceId, name: '', source: 'ingestion', level: 'DEFAULT', environment: DEFAULT_ENVIRONMENT },
      ...{ type: event.type.replace(/-(create|update)$/, ''), tags: [], public: false, isAppRoot: false },
      ...{ totalCost: 0, body: {}, seq },
    };
    state.rows.set(id, row);
  } else if (isCreate) row.type = event.type.slice(0, -'-create'.length);
  // Omitted fields keep their value, explicit null clears: Object.assign does exactly that.
  const m = Object.assign(row.body ?? {}, body);
  row.body = m;
  row.seq = seq;
  row.name = typeof m.name === 'string' ? m.name : row.name;
  if (typeof m.parentObservationId === 'string') row.parentId = m.parentObservationId;
  else delete row.parentId;
  const start = isoToMs(m.startTime);
  const end = isoToMs(m.endTime);
  if (start !== undefined) row.startTime = start;
  if (end !== undefined) row.endTime = end;
  if (start !== undefined && end !== undefined) row.durationMs = end - start;
  for (const key of ['input', 'output'] as const) if (key in m) row[key] = m[key];
  const metadata = nonEmpty(parseMetadataValue(m.metadata));
  if (metadata) row.metadata = metadata;
  if (typeof m.model === 'string') row.model = m.model;
  if (isObject(m.modelParameters)) row.modelParameters = m.modelParameters;
  const usage = storedUsage(m.usageDetails) ?? legacyUsage(m.usage);
  if (usage) row.usage = usage;
  const cost = costOf(isObject(m.costDetails) ? m.costDetails : undefined, usage, priceOf(prices, row.model));
  row.totalCost = cost.totalCost;
  if (cost.costDetails) row.costDetails = cost.costDetails;
  if (typeof m.level === 'string') row.level = m.level;
  if (typeof m.statusMessage === 'string') row.statusMessage = m.statusMessage;
  row.environment = normalizeEnvironment(m.environment);
  if (typeof m.version === 'string') row.version = m.version;
  const completionStart = isoToMs(m.completionStartTime);
  if (completionStart !== undefined) row.completionStartTime = completionStart;
  if (typeof m.promptName === 'string') row.promptName = m.promptName;
  if (typeof m.promptVersion === 'number') row.promptVersion = m.promptVersion;
}

function score(body: Record<string, any>): ScoreView {
  return {
    ...(body.id !== undefined && { id: String(body.id) }),
    name: String(body.name),
    value: body.value,
    ...(typeof body.observationId === 'string' && { observationId: body.observationId }),
    ...(typeof body.comment === 'string' && { comment: body.comment }),
    ...(typeof body.dataType === 'string' && { dataType: body.dataType }),
    environment: normalizeEnvironment(body.environment),
  };
}

/**
 * What Langfuse stores from accepted batch events (the legacy `/api/public/ingestion` path, v3 merge
 * rules): the same envelope id counts once (its last copy), events of one entity merge in timestamp
 * order, an omitted `public` becomes false. `firstSeq` numbers the rows after the OTLP ones.
 */
export function applyBatch(input: readonly unknown[], firstSeq: number, prices: PriceTable): BatchState {
  const byId = new Map<string, Event>();
  for (const e of input) if (isEvent(e)) byId.set(e.id, e);
  const events = [...byId.values()];
  const traceOf = new Map<string, string>();
  for (const e of events) {
    if (e.type !== 'score-create' && typeof e.body.traceId === 'string' && e.body.id !== undefined) {
      traceOf.set(String(e.body.id), e.body.traceId);
    }
  }
  const state: BatchState = { rows: new Map(), traces: new Map(), scores: new Map() };
  let seq = firstSeq;
  for (const event of mergeOrder(events)) {
    const body = event.body;
    if (event.type === 'sdk-log') continue;
    if (event.type === 'score-create') {
      if (typeof body.traceId !== 'string') continue;
      const list = state.scores.get(body.traceId) ?? [];
      list.push(score(body));
      state.scores.set(body.traceId, list);
    } else if (event.type === 'trace-create') applyTrace(state.traces, body, event.timestamp);
    else if (body.id !== undefined && body.id !== null) applyObservation(state, event, traceOf, seq++, prices);
  }
  return state;
}
