import type { Received } from './types.js';

const POLL_MS = 10;

function summary(received: Received): string {
  const c = received.counts;
  const statuses = new Map<string, number>();
  for (const r of received.requests) {
    const key = `${r.endpoint} ${r.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const byStatus = [...statuses].map(([key, n]) => `${n}× ${key}`).join(', ') || 'none';
  return (
    `received ${c.requests} requests (${byStatus}), ${c.spans} spans (${c.uniqueSpans} unique), ` +
    `${c.events} events (${c.uniqueEvents} unique), ${c.rejected} rejected requests, ${c.rejectedEvents} rejected events`
  );
}

/**
 * Poll `predicate(received)` every 10 ms until it is true. On timeout, reject with the predicate's
 * source and a summary of what did arrive (a predicate that throws counts as false; its last error is
 * reported).
 */
export async function waitFor(
  received: Received,
  predicate: (received: Received) => boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (predicate(received)) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const threw = lastError === undefined ? '' : ` (it last threw: ${(lastError as Error)?.message ?? lastError})`;
      throw new Error(
        `waitFor timed out after ${timeoutMs} ms: ${predicate.toString()} is still false${threw}; ${summary(received)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
