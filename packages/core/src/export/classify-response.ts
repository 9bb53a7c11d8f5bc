import type { DeliveryResult, ExportEndpoint, ExportRequest } from '../seams/delivery.js';
import { readIngestionAnswer } from './ingestion/ingestion-answer.js';
import { readOtlpAnswer } from './otlp/otlp-answer.js';
import type { PostResult } from './http-transport.js';
import { classifyError, classifyRedirect, classifyStatus } from './retry-policy.js';

type AnswerReader = (status: number, body: string, eventIds: readonly string[]) => DeliveryResult;

/** Each endpoint's reading of a 2xx body: the same in the app and in any worker that sends for it. */
const READERS: Record<ExportEndpoint, AnswerReader> = {
  ingestion: readIngestionAnswer,
  otlp: readOtlpAnswer,
};

/** What one HTTP attempt for `request` achieved. */
export function classifyResponse(request: ExportRequest, result: PostResult, now = Date.now()): DeliveryResult {
  if (!result.ok) return classifyError(result.error);
  const { status } = result;
  if (status >= 200 && status < 300) {
    try {
      return READERS[request.endpoint](status, result.body, request.eventIds);
    } catch {
      // The server took it; a reader failing on a strange body must not re-send or lose it.
      return { kind: 'delivered' };
    }
  }
  if (status >= 300 && status < 400) return classifyRedirect(status, result.location);
  const classified = classifyStatus(status, result.retryAfter, now);
  if (classified.kind !== 'rejected') return classified;
  // A refusal is kept with the server's own words (a dead letter, a queue's failed set): what to fix.
  const said = serverMessage(result.body);
  return said === undefined ? classified : { ...classified, message: `${classified.message} Langfuse said: ${said}` };
}

const MAX_SERVER_MESSAGE = 500;

/** `message` (or `error`) of a JSON answer, else its text; one line, bounded; undefined when empty. */
export function serverMessage(body: string): string | undefined {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const said = parsed?.message ?? parsed?.error;
    if (said !== undefined) text = typeof said === 'string' ? said : JSON.stringify(said);
  } catch {
    // Not JSON: the text as it is.
  }
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > MAX_SERVER_MESSAGE ? `${line.slice(0, MAX_SERVER_MESSAGE)}…` : line;
}
