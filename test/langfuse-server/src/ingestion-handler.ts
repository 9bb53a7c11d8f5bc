import { failure, jsonAnswer, type Answer } from './answer.js';
import { validateIngestionEvent } from './ingestion-event.js';
import type { ReceivedStore } from './received-store.js';
import type { EventResult, FaultRule, IngestionEvent, IngestionMode } from './types.js';

interface ErrorEntry {
  id: string;
  status: number;
  message?: string;
}

function idOf(event: unknown): string {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : String(id ?? '');
}

function scriptedResult(perEvent: NonNullable<FaultRule['perEvent']>, event: unknown): EventResult | undefined {
  try {
    const result = perEvent(event);
    return result && (result.status < 200 || result.status >= 300) ? result : undefined;
  } catch (error) {
    return { status: 500, message: `perEvent script threw: ${(error as Error).message}` };
  }
}

/**
 * Answer an authenticated, parsed ingestion batch the way Langfuse does: 400 for a bad outer shape,
 * else 207 with one entry per event (none for `sdk-log`). Only accepted events are stored.
 */
export function handleIngestion(
  body: unknown,
  store: ReceivedStore,
  mode: IngestionMode,
  perEvent: FaultRule['perEvent'],
): Answer {
  const batch = (body as { batch?: unknown } | null)?.batch;
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(batch)) {
    return failure(400, 'Invalid request data: body must be {batch: Event[], metadata?}');
  }
  const successes: { id: string; status: number }[] = [];
  const errors: ErrorEntry[] = [];
  for (const event of batch) {
    const result = (perEvent && scriptedResult(perEvent, event)) ?? validateIngestionEvent(event, mode);
    if (result) {
      const entry: ErrorEntry = { id: idOf(event), status: result.status };
      if (result.message !== undefined) entry.message = result.message;
      errors.push(entry);
      store.rejectEvent();
      continue;
    }
    const accepted = event as IngestionEvent;
    store.addEvent(accepted);
    if (accepted.type !== 'sdk-log') successes.push({ id: accepted.id, status: 201 });
  }
  return jsonAnswer(207, { successes, errors });
}
