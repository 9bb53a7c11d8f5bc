import type { DeliveryResult, RejectedEvent } from '../../seams/delivery.js';

interface MultiStatusEntry {
  id?: unknown;
  status?: unknown;
  message?: unknown;
  error?: unknown;
}

/**
 * Reads the ingestion API's 2xx answer: a 207 names each event by envelope id. 5xx (and 429) entries
 * are retried, other errors are final, events without an error entry were stored.
 */
export function readIngestionAnswer(status: number, body: string, eventIds: readonly string[]): DeliveryResult {
  if (status !== 207) return { kind: 'delivered' };
  let errors: unknown;
  try {
    errors = (JSON.parse(body) as { errors?: unknown } | null)?.errors;
  } catch {
    // A 207 we cannot read (or cut at the read cap): the server took the request; treat as
    // delivered rather than duplicate it.
    return { kind: 'delivered' };
  }
  if (!Array.isArray(errors) || errors.length === 0) return { kind: 'delivered' };
  const sent = new Set(eventIds);
  const failed = new Set<string>();
  const rejected: RejectedEvent[] = [];
  const retry: string[] = [];
  for (const entry of errors as Array<MultiStatusEntry | null | undefined>) {
    // A null or foreign entry names no event we sent: skip it rather than fail the batch.
    const id = typeof entry === 'object' && entry !== null ? entry.id : undefined;
    if (typeof id !== 'string' || !sent.has(id) || failed.has(id)) continue;
    failed.add(id);
    const given = entry!.status;
    const code =
      typeof given === 'number' ? given : typeof given === 'string' && /^\d{3}$/.test(given) ? Number(given) : 500;
    if (code >= 500 || code === 429) retry.push(id);
    else rejected.push({ id, status: code, message: describeEntry(entry!) });
  }
  if (failed.size === 0) return { kind: 'delivered' };
  return { kind: 'partial', delivered: eventIds.filter((id) => !failed.has(id)), rejected, retry };
}

const NOT_ACCEPTED = 'Event type not accepted';
const OTLP_HINT =
  " — this Langfuse server (v4) takes traces and observations over OTLP only: use transport: 'otlp' (the default)";

function describeEntry(e: MultiStatusEntry): string {
  const parts = [e.message, e.error].filter((p) => p !== undefined && p !== null);
  const text = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(': ');
  const hint = text.includes(NOT_ACCEPTED) ? OTLP_HINT : '';
  return `Langfuse refused the event (${String(e.status)})${text ? `: ${text}` : ''}${hint}`;
}

/** The cause a refused event is logged under (once per cause): a v4 server's refusal has its own. */
export function refusalCode(event: RejectedEvent): string {
  return event.message.includes(NOT_ACCEPTED) ? 'EVENT_TYPE_NOT_ACCEPTED' : `EVENT_REFUSED_${event.status}`;
}
