import type { EventResult, IngestionEventType, IngestionMode } from './types.js';

/** Every type `/api/public/ingestion` knows. */
export const INGESTION_EVENT_TYPES: ReadonlySet<string> = new Set<IngestionEventType>([
  'trace-create',
  'span-create',
  'span-update',
  'generation-create',
  'generation-update',
  'event-create',
  'agent-create',
  'tool-create',
  'chain-create',
  'retriever-create',
  'evaluator-create',
  'embedding-create',
  'guardrail-create',
  'score-create',
  'sdk-log',
]);

/** Types that carry the generation body (model, usage, prompt link). */
const GENERATION_LIKE: ReadonlySet<string> = new Set([
  'generation-create',
  'generation-update',
  'agent-create',
  'tool-create',
  'chain-create',
  'retriever-create',
  'evaluator-create',
  'embedding-create',
  'guardrail-create',
]);

const LEVELS: ReadonlySet<unknown> = new Set(['DEBUG', 'DEFAULT', 'WARNING', 'ERROR']);
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const USAGE_COUNT_KEYS = ['input', 'output', 'total', 'promptTokens', 'completionTokens', 'totalTokens'];
const USAGE_COST_KEYS = ['inputCost', 'outputCost', 'totalCost'];

function invalid(message: string): EventResult {
  return { status: 400, message };
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// A format check, like Langfuse's zod datetime({offset: true}); no Date.parse on the hot path.
function isTimestamp(value: unknown): boolean {
  return typeof value === 'string' && ISO_TIMESTAMP.test(value);
}

function optionalString(body: Record<string, any>, key: string): EventResult | undefined {
  const value = body[key];
  if (value === undefined || value === null || typeof value === 'string') return undefined;
  return invalid(`body.${key} must be a string`);
}

function checkUsage(body: Record<string, any>): EventResult | undefined {
  const usage = body.usage;
  if (usage !== undefined && usage !== null) {
    if (!isObject(usage)) return invalid('body.usage must be an object');
    for (const key of USAGE_COUNT_KEYS) {
      const v = usage[key];
      if (v !== undefined && v !== null && !Number.isInteger(v)) {
        return invalid(`body.usage.${key} must be an integer (got ${JSON.stringify(v)})`);
      }
    }
    for (const key of USAGE_COST_KEYS) {
      const v = usage[key];
      if (v !== undefined && v !== null && typeof v !== 'number') return invalid(`body.usage.${key} must be a number`);
    }
  }
  const details = body.usageDetails;
  if (details !== undefined && details !== null) {
    if (!isObject(details)) return invalid('body.usageDetails must be an object');
    for (const [key, v] of Object.entries(details)) {
      // OpenAI-shaped details nest one level (prompt_tokens_details: {...}); counts stay integers.
      const values = isObject(v) ? Object.values(v) : [v];
      for (const n of values) {
        if (n !== null && !Number.isInteger(n)) {
          return invalid(`body.usageDetails.${key} must be an integer (got ${JSON.stringify(v)})`);
        }
      }
    }
  }
  return undefined;
}

function checkObservation(type: string, body: Record<string, any>): EventResult | undefined {
  if (typeof body.id !== 'string' || body.id === '') return invalid(`body.id is required for ${type}`);
  const problem =
    optionalString(body, 'traceId') ?? optionalString(body, 'parentObservationId') ?? optionalString(body, 'name');
  if (problem) return problem;
  for (const key of ['startTime', 'endTime', 'completionStartTime']) {
    const v = body[key];
    if (v !== undefined && v !== null && !isTimestamp(v)) return invalid(`body.${key} must be an ISO 8601 timestamp`);
  }
  if (body.level !== undefined && body.level !== null && !LEVELS.has(body.level)) {
    return invalid('body.level must be one of DEBUG, DEFAULT, WARNING, ERROR');
  }
  if (!GENERATION_LIKE.has(type)) return undefined;
  const usage = checkUsage(body);
  if (usage) return usage;
  const hasName = body.promptName !== undefined && body.promptName !== null;
  const hasVersion = body.promptVersion !== undefined && body.promptVersion !== null;
  if (hasName !== hasVersion)
    return invalid('body.promptName and body.promptVersion go together: send both or neither');
  return undefined;
}

function checkTrace(body: Record<string, any>): EventResult | undefined {
  const problem =
    optionalString(body, 'id') ??
    optionalString(body, 'name') ??
    optionalString(body, 'userId') ??
    optionalString(body, 'sessionId');
  if (problem) return problem;
  if (typeof body.name === 'string' && body.name.length > 1000)
    return invalid('body.name is longer than 1000 characters');
  const tags = body.tags;
  if (tags !== undefined && tags !== null && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))) {
    return invalid('body.tags must be an array of strings');
  }
  return undefined;
}

function checkScore(body: Record<string, any>): EventResult | undefined {
  if (typeof body.name !== 'string' || body.name === '') return invalid('score body.name is required');
  const value = body.value;
  if (typeof value !== 'number' && typeof value !== 'string')
    return invalid('score body.value is required (number or string)');
  const targets = ['traceId', 'sessionId', 'datasetRunId'].filter((k) => body[k] !== undefined && body[k] !== null);
  if (targets.length !== 1) {
    return invalid(`score needs exactly one of traceId, sessionId, datasetRunId (got ${targets.join(', ') || 'none'})`);
  }
  switch (body.dataType) {
    case undefined:
    case null:
      return undefined;
    case 'NUMERIC':
      return typeof value === 'number' ? undefined : invalid('NUMERIC score value must be a number');
    case 'BOOLEAN':
      return value === 0 || value === 1 ? undefined : invalid('BOOLEAN score value must be 0 or 1');
    case 'CATEGORICAL':
      return typeof value === 'string' ? undefined : invalid('CATEGORICAL score value must be a string');
    case 'TEXT':
      return typeof value === 'string' && value.length >= 1 && value.length <= 500
        ? undefined
        : invalid('TEXT score value must be a string of 1 to 500 characters');
    default:
      return invalid(`unknown score dataType ${JSON.stringify(body.dataType)}`);
  }
}

/**
 * Validate one batch entry like Langfuse does. Returns `undefined` when the event is accepted, else the
 * per-event error (status 400 with a message saying what is wrong).
 */
export function validateIngestionEvent(event: unknown, mode: IngestionMode): EventResult | undefined {
  if (!isObject(event)) return invalid('event must be an object');
  const id = event.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 800 || id.includes('\r')) {
    return invalid('id must be a string of 1 to 800 characters without \\r');
  }
  if (!isTimestamp(event.timestamp)) return invalid('timestamp must be an ISO 8601 string with Z or ±HH:MM');
  const type = event.type;
  if (typeof type !== 'string' || !INGESTION_EVENT_TYPES.has(type))
    return invalid(`unknown event type ${JSON.stringify(type)}`);
  if (!isObject(event.body)) return invalid('body must be an object');
  if (type === 'sdk-log') return undefined;
  if (type === 'score-create') return checkScore(event.body);
  if (mode === 'v4') return invalid('Event type not accepted');
  if (type === 'trace-create') return checkTrace(event.body);
  return checkObservation(type, event.body);
}
