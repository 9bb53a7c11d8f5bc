import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBalanced, publish, startClient, stopClient } from '../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

interface OtlpBody {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }>;
}
const spanIdsOf = (body: unknown) =>
  (body as OtlpBody).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.spanId)));

describe('a server slower than timeoutMs', () => {
  it('every event is delivered and counted delivered, at most two copies a batch, and slow batches free their slot', async () => {
    const timeoutMs = 150;
    const delayMs = 450; // > timeoutMs, < 4 x timeoutMs: the second attempt waits long enough
    const { client } = startClient(server, { timeoutMs, flushAt: 20, maxConcurrentExports: 1 });
    server.script({ endpoint: 'otlp', delayMs, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 100; i++) publish('span', { name: `slow-${i}` });
    const stats = await client.flush(30_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 100, delivered: 100, pending: 0 });
    expect(Object.values(stats.dropped).every((n) => n === 0)).toBe(true);
    expect(server.received.uniqueSpanCount).toBe(100);
    // The growing timeout: one timed-out copy at most per batch of 20, not one per retry until the budget ends.
    expect(server.received.counts.spans).toBeLessThanOrEqual(200);
    expect(stats.retries).toBeLessThanOrEqual(5);
    // With one concurrency slot, two different batches can only be at the server together if a slow
    // one gave its slot up (a batch held it through all its attempts otherwise).
    const requests = server.received.requests.map((r) => ({ at: r.at, ids: new Set(spanIdsOf(r.body)) }));
    const overlap = requests.some((a, i) =>
      requests.some(
        (b, j) => i !== j && b.at >= a.at && b.at < a.at + delayMs && ![...b.ids].some((id) => a.ids.has(id)),
      ),
    );
    expect(overlap).toBe(true);
  });
});
