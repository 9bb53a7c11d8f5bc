import type { StoredEvent } from '../store/types.js';

/** The 207 answer of Langfuse's batch API. */
export interface IngestionAnswer {
  successes: Array<{ id: string; status: number }>;
  errors: Array<{ id: string; status: number; message: string }>;
}

export type IngestionIntake =
  | { ok: true; byTrace: Map<string, StoredEvent[]>; answer: IngestionAnswer; eventCount: number }
  | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function eventProblem(event: Record<string, any>): string | undefined {
  if (typeof event.type !== 'string') return 'type must be a string';
  if (typeof event.timestamp !== 'string' || Number.isNaN(Date.parse(event.timestamp))) {
    return 'timestamp must be an ISO 8601 date';
  }
  if (!isObject(event.body)) return 'body must be an object';
  if (event.type.endsWith('-create') || event.type.endsWith('-update')) {
    const isTraceOrScore = event.type === 'trace-create' || event.type === 'score-create';
    if (!isTraceOrScore && typeof event.body.id !== 'string') return 'body.id is required for observations';
  }
  return undefined;
}

/** The trace an event belongs to: a trace-create's own id, an observation's or score's traceId. */
function traceIdOf(event: Record<string, any>): string | undefined {
  const body = event.body;
  if (event.type === 'trace-create') return typeof body.id === 'string' ? body.id : undefined;
  if (typeof body.traceId === 'string') return body.traceId;
  // Langfuse makes a trace for an observation sent without one, named by the observation's id.
  return event.type !== 'score-create' && typeof body.id === 'string' ? body.id : undefined;
}

/**
 * Read a `{ batch: Event[] }` body like Langfuse: a bad outer shape is a 400; otherwise every event gets
 * its own entry in the 207 (`sdk-log` none), and the valid ones are grouped by trace.
 */
export function readIngestionBatch(body: unknown, receivedAt: number): IngestionIntake {
  if (!isObject(body) || !Array.isArray(body.batch)) {
    return { ok: false, message: 'Body must be {batch: Event[], metadata?}' };
  }
  const answer: IngestionAnswer = { successes: [], errors: [] };
  const byTrace = new Map<string, StoredEvent[]>();
  let eventCount = 0;
  for (const event of body.batch) {
    if (!isObject(event) || typeof event.id !== 'string' || event.id === '') {
      answer.errors.push({
        id: String(isObject(event) ? (event.id ?? '') : ''),
        status: 400,
        message: 'id is required',
      });
      continue;
    }
    const problem = eventProblem(event);
    if (problem) {
      answer.errors.push({ id: event.id, status: 400, message: problem });
      continue;
    }
    if (event.type === 'sdk-log') continue;
    answer.successes.push({ id: event.id, status: 201 });
    const traceId = traceIdOf(event);
    if (traceId === undefined) continue; // a session or dataset-run score: no trace to show it on
    const stored: StoredEvent = { kind: 'event', event: event as StoredEvent['event'], receivedAt, bytes: 0 };
    stored.bytes = JSON.stringify(event).length;
    const list = byTrace.get(traceId);
    if (list) list.push(stored);
    else byTrace.set(traceId, [stored]);
    eventCount++;
  }
  return { ok: true, byTrace, answer, eventCount };
}
