import { normalizeEnvironment } from './environment.js';
import { metadataFromAttributes, nonEmpty } from './metadata.js';
import { costOf, priceOf } from './prices.js';
import type { AttributeValue, Attributes, DecodedSpan, ObservationRow, PriceTable } from './types.js';
import { convertUsageDetails } from './usage.js';
import { isoToMs, nanosOf, nanosToMs, parseMaybeJson } from './values.js';

const LEVELS = new Set(['DEBUG', 'DEFAULT', 'WARNING', 'ERROR']);

/** The first key with a truthy value, on the span first, then on the resource (Langfuse's order). */
function firstOf(keys: string[], ...sources: Attributes[]): AttributeValue | undefined {
  for (const key of keys) {
    for (const source of sources) if (source[key]) return source[key];
  }
  return undefined;
}

const text = (value: AttributeValue | undefined): string | undefined =>
  value === undefined || value === null || value === ''
    ? undefined
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);

function tagsOf(a: Attributes): string[] {
  const value = a['langfuse.trace.tags'] || a['langfuse.tags'];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    const parsed = parseMaybeJson(value);
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  if (typeof value === 'string' && value !== '') return [value];
  return [];
}

function jsonObject(value: AttributeValue | undefined): Record<string, unknown> | undefined {
  const parsed = parseMaybeJson(value);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

/** Model parameters keep strings and numbers; Langfuse stores anything else as its JSON text. */
function modelParametersOf(a: Attributes): Record<string, unknown> | undefined {
  let params = jsonObject(a['langfuse.observation.model.parameters']);
  if (!params) {
    params = {};
    for (const key in a) {
      if (key.startsWith('gen_ai.request.') && key !== 'gen_ai.request.model') {
        params[key.slice('gen_ai.request.'.length)] = a[key];
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);
  }
  return nonEmpty(out);
}

function numbers(value: Record<string, unknown> | undefined): Record<string, number> | undefined {
  if (!value) return undefined;
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(value)) if (typeof n === 'number' && Number.isFinite(n)) out[key] = n;
  return nonEmpty(out) as Record<string, number> | undefined;
}

/** Usage as stored: converted by Langfuse's schema, with `total` as the sum when none was given. */
export function storedUsage(raw: unknown): Record<string, number> | undefined {
  const usage = convertUsageDetails(raw);
  if (usage && usage.total === undefined) usage.total = Object.values(usage).reduce((sum, n) => sum + n, 0);
  return usage;
}

/**
 * The observation row Langfuse v4's OTLP direct path writes for one span. `seq` orders copies: a
 * later copy of the same span id replaces this row whole.
 */
export function rowFromSpan(span: DecodedSpan, seq: number, prices: PriceTable): ObservationRow {
  const a = span.attributes;
  const r = span.resource;
  const start = nanosOf(span.startTimeUnixNano);
  const end = nanosOf(span.endTimeUnixNano);
  const level = a['langfuse.observation.level'];
  const observationMetadata = metadataFromAttributes(a, 'observation');
  const traceMetadata = metadataFromAttributes(a, 'trace');
  const model = text(a['langfuse.observation.model.name'] || a['gen_ai.response.model'] || a['gen_ai.request.model']);
  const usage = storedUsage(jsonObject(a['langfuse.observation.usage_details']));
  const cost = costOf(numbers(jsonObject(a['langfuse.observation.cost_details'])), usage, priceOf(prices, model));
  const row: ObservationRow = {
    id: span.spanId,
    traceId: span.traceId,
    type: typeof a['langfuse.observation.type'] === 'string' ? a['langfuse.observation.type'].toLowerCase() : 'span',
    name: span.name,
    source: 'otlp',
    level: typeof level === 'string' && LEVELS.has(level) ? level : span.status.code === 2 ? 'ERROR' : 'DEFAULT',
    environment: normalizeEnvironment(
      firstOf(['langfuse.environment', 'deployment.environment.name', 'deployment.environment'], a, r),
    ),
    tags: tagsOf(a),
    public: a['langfuse.trace.public'] === true || a['langfuse.trace.public'] === 'true',
    isAppRoot: a['langfuse.internal.is_app_root'] === true || a['langfuse.internal.is_app_root'] === 'true',
    totalCost: cost.totalCost,
    attributes: a,
    resource: r,
    seq,
  };
  if (span.parentSpanId) row.parentId = span.parentSpanId;
  if (start !== undefined) row.startTime = nanosToMs(start);
  if (end !== undefined) row.endTime = nanosToMs(end);
  if (start !== undefined && end !== undefined) row.durationMs = Number(end - start) / 1e6;
  if (a['langfuse.observation.input'] !== undefined) row.input = parseMaybeJson(a['langfuse.observation.input']);
  if (a['langfuse.observation.output'] !== undefined) row.output = parseMaybeJson(a['langfuse.observation.output']);
  if (a['langfuse.trace.input'] !== undefined) row.legacyTraceInput = parseMaybeJson(a['langfuse.trace.input']);
  if (a['langfuse.trace.output'] !== undefined) row.legacyTraceOutput = parseMaybeJson(a['langfuse.trace.output']);
  const metadata = nonEmpty({ ...observationMetadata, ...traceMetadata });
  if (metadata) row.metadata = metadata;
  if (nonEmpty(traceMetadata)) row.traceMetadata = traceMetadata;
  const statusMessage = text(a['langfuse.observation.status_message']) ?? span.status.message;
  if (statusMessage) row.statusMessage = statusMessage;
  if (model) row.model = model;
  const modelParameters = modelParametersOf(a);
  if (modelParameters) row.modelParameters = modelParameters;
  if (usage) row.usage = usage;
  if (cost.costDetails) row.costDetails = cost.costDetails;
  const completionStart = isoToMs(a['langfuse.observation.completion_start_time']);
  if (completionStart !== undefined) row.completionStartTime = completionStart;
  const promptName = text(a['langfuse.observation.prompt.name']);
  if (promptName && row.type === 'generation') row.promptName = promptName;
  const promptVersion = Number(a['langfuse.observation.prompt.version']);
  if (row.promptName && Number.isInteger(promptVersion)) row.promptVersion = promptVersion;
  const release = text(a['langfuse.release'] ?? r['langfuse.release']);
  if (release) row.release = release;
  const version = text(a['langfuse.version'] ?? r['service.version']);
  if (version) row.version = version;
  const traceName = text(a['langfuse.trace.name']);
  if (traceName) row.traceName = traceName;
  const userId = text(a['langfuse.user.id'] || a['user.id']);
  if (userId) row.userId = userId;
  const sessionId = text(a['langfuse.session.id'] || a['session.id'] || a['gen_ai.conversation.id']);
  if (sessionId) row.sessionId = sessionId;
  return row;
}
