/**
 * A server that says "come back later" or answers slowly. The promises: a 429/503 with
 * `Retry-After` pauses the whole endpoint for that long (no new batch is sent into the window)
 * and the retry budget never turns "come back in a minute" into loss; a slow server is not
 * read as total loss, and accounting stays truthful. Through a scripted front, counted at the
 * test server.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBalanced, hex16, hex32, nonZeroDrops, publish, startClient, stopClient } from './support/client.js';
import { quickOrSoak, SOAK } from './support/env.js';
import { installProcessGuards } from './support/process-guards.js';
import { type ScriptedFront, startScriptedFront } from './support/scripted-front.js';

installProcessGuards();

let server: LangfuseTestServer;
let front: ScriptedFront;
beforeAll(async () => {
  server = await startLangfuseServer();
  front = await startScriptedFront(server.url);
});
afterAll(async () => {
  await front.close();
  await server.close();
});
beforeEach(() => {
  server.reset();
  front.log.length = 0;
  front.plan(() => ({ forward: true }));
});
afterEach(() => stopClient());

const viaFront = () => ({ url: front.url, publicKey: server.publicKey, secretKey: server.secretKey });
const isExport = (path: string) => path.includes('/otel/') || path.includes('/ingestion');
let base = 1;

function publishSpans(n: number): string[] {
  const b = base++ * 1_000_000;
  const traceId = hex32(b);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = hex16(b + i + 1);
    ids.push(id);
    publish('span', { id, traceId, name: `s-${i}`, input: `payload ${i}` });
  }
  return ids;
}

// Item 2: with Retry-After beyond the retry budget, most events were given up after one
// attempt, and new batches kept being sent into the window.
describe('Retry-After longer than the retry budget', () => {
  const cases = quickOrSoak(
    [
      { status: 429, windowMs: 3_000, retryAfterS: 2, events: 2_000 },
      { status: 503, windowMs: 2_000, retryAfterS: 3, events: 1_000 },
    ],
    [
      { status: 429, windowMs: 20_000, retryAfterS: 60, events: 15_000 },
      { status: 503, windowMs: 70_000, retryAfterS: 30, events: 5_000 },
    ],
  );
  it.each(cases)(
    '$status for $windowMs ms with Retry-After $retryAfterS s: the endpoint pauses, nothing is lost',
    async (c) => {
      let windowEnds = 0;
      front.plan((req) => {
        if (!isExport(req.path)) return { forward: true };
        if (windowEnds === 0) windowEnds = req.at + c.windowMs;
        if (req.at < windowEnds)
          return { status: c.status, headers: { 'retry-after': String(c.retryAfterS) }, body: '{}' };
        return { forward: true };
      });
      // A budget far below the server's Retry-After: the budget must not decide.
      const { client } = startClient(viaFront(), { flushAt: 100, maxConcurrentExports: 2, maxRetryElapsedMs: 1_000 });
      const ids = publishSpans(c.events);
      const deadline = c.windowMs + c.retryAfterS * 1000 * 3 + 30_000;
      const stats = await client.flush(deadline);
      expectBalanced(stats);
      expect(nonZeroDrops(stats)).toEqual({});
      expect(stats).toMatchObject({ enqueued: c.events, delivered: c.events, pending: 0 });
      const seen = server.received.spanIds();
      expect(ids.filter((id) => !seen.has(id))).toEqual([]);
      // Paused means paused: after a Retry-After answer, no request (of any batch) before it ends.
      // Requests already on their way when the answer left (concurrent batches) are not sent
      // into the window: half a second of grace for those (a loaded event loop sends late).
      const exports = front.log.filter((l) => isExport(l.path));
      for (const refused of exports.filter((l) => l.status === c.status)) {
        const early = exports.filter((l) => l.at > refused.at + 500 && l.at < refused.at + c.retryAfterS * 1000 - 50);
        expect(
          early.map((l) => l.at - refused.at),
          `requests sent into the Retry-After window`,
        ).toEqual([]);
      }
    },
    SOAK ? 600_000 : 90_000,
  );
});

// Item 7: answers after the timeout made every attempt time out; the server stored each
// request several times while stats said nothing was delivered.
describe('a server slower than the timeout', () => {
  it('answers arriving after the timeout: throughput holds, each span delivered and stored at most twice', async () => {
    const timeoutMs = 1_000;
    const slowForMs = quickOrSoak(4_000, 30_000);
    let slowUntil = 0;
    front.plan((req) => {
      if (!isExport(req.path)) return { forward: true };
      if (slowUntil === 0) slowUntil = req.at + slowForMs;
      return req.at < slowUntil ? { forward: true, answerAfterMs: timeoutMs * 2 } : { forward: true };
    });
    const { client } = startClient(viaFront(), { flushAt: 100, timeoutMs, maxRetryElapsedMs: 120_000 });
    const ids = publishSpans(1_000);
    const started = Date.now();
    const stats = await client.flush(slowForMs + 60_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 1_000, pending: 0 });
    expect(nonZeroDrops(stats)).toEqual({});
    expect(Date.now() - started).toBeLessThan(slowForMs + 20_000);
    const seen = server.received.spanIds();
    expect(ids.filter((id) => !seen.has(id))).toEqual([]);
    expect(Math.max(...seen.values()), 'times one span was stored').toBeLessThanOrEqual(2);
  });

  it('never answered in time: the give-up says an attempt may have reached Langfuse (it did), stats balance', async () => {
    front.plan((req) => (isExport(req.path) ? { forward: true, answerAfterMs: 30_000 } : { forward: true }));
    const { client } = startClient(viaFront(), { flushAt: 50, timeoutMs: 500, maxRetryElapsedMs: 1_500 });
    const ids = publishSpans(50);
    const stats = await client.flush(30_000);
    expectBalanced(stats);
    expect(stats.pending).toBe(0);
    // The server stored them all; the client cannot know, and must not say "lost" without a doubt.
    const seen = server.received.spanIds();
    expect(ids.filter((id) => !seen.has(id))).toEqual([]);
    const dead = client.deadLetters();
    expect(dead.length).toBeGreaterThan(0);
    for (const d of dead) expect(d.message).toMatch(/may have reached Langfuse/);
  });
});
