/**
 * Promise: retry only what is retryable, and every event is delivered exactly once as Langfuse
 * sees it (id dedup), or dead-lettered with its reason. Each case runs to completion against
 * the Langfuse-compatible test server and is counted there.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBalanced, hex16, hex32, nonZeroDrops, publish, startClient, stopClient } from './support/client.js';
import { FC_SEED, quickOrSoak, SOAK } from './support/env.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => stopClient());

let nextBase = 1;

/** Publishes `n` spans with fixed ids (unique across the file) and returns the ids. */
function publishSpans(n: number, extra: Record<string, unknown> = {}): string[] {
  const base = nextBase++ * 1_000_000;
  const traceId = hex32(base);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = hex16(base + i + 1);
    ids.push(id);
    publish('span', { id, traceId, name: `s-${i}`, input: `payload ${i}`, ...extra });
  }
  return ids;
}

/**
 * Every id arrived, and Langfuse's id-dedup makes it exactly once. `lostAnswers` is how many
 * spans were accepted by the server whose answer never reached fusewire: only those may be
 * on the wire twice.
 */
function expectExactlyOnceSpans(ids: string[], lostAnswers = 0): void {
  const seen = server.received.spanIds();
  const missing = ids.filter((id) => !seen.has(id));
  expect(missing, 'spans never delivered').toEqual([]);
  expect(seen.size).toBe(ids.length);
  const twice = [...seen.values()].filter((n) => n > 1);
  expect(
    twice.every((n) => n === 2),
    'a span was accepted more than twice',
  ).toBe(true);
  expect(server.received.duplicates().spans).toBe(lostAnswers);
}

describe('5xx bursts then recovery', () => {
  it('retries 500/502/503/504/408 bursts, delivers every span once, logs one warning per cause and a recovery', async () => {
    const { client, logger } = startClient(server, { flushAt: 50, maxConcurrentExports: 2 });
    const burst = [
      { endpoint: 'otlp' as const, status: 500, times: 3 },
      { endpoint: 'otlp' as const, status: 502 },
      { endpoint: 'otlp' as const, status: 503, times: 2 },
      { endpoint: 'otlp' as const, status: 504 },
      { endpoint: 'otlp' as const, status: 408 },
    ];
    server.script(burst);
    const ids = publishSpans(200);
    const stats = await client.flush(30_000);

    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 200, delivered: 200, pending: 0 });
    expect(nonZeroDrops(stats)).toEqual({});
    expect(stats.retries).toBeGreaterThanOrEqual(8);
    expectExactlyOnceSpans(ids);
    const failed = server.received.requests.filter((r) => r.status >= 500 || r.status === 408);
    expect(failed).toHaveLength(8);
    // A warning per distinct cause and outage, not per attempt.
    const causes = logger.withCode('FUSEWIRE_EXPORT_RETRYING').map((l) => l.obj.cause);
    expect(new Set(causes).size).toBe(causes.length);
    expect(new Set(causes)).toEqual(new Set(['HTTP_500', 'HTTP_502', 'HTTP_503', 'HTTP_504', 'HTTP_408']));
    expect(logger.matching(/^export recovered$/).length).toBeGreaterThanOrEqual(1);
    expect(client.stats().lastError).toBeUndefined();
    expect(client.deadLetters()).toEqual([]);
  });
});

describe('429 with Retry-After', () => {
  it('in seconds: waits at least that long, then delivers once', async () => {
    const { client } = startClient(server, { flushAt: 100 });
    server.script({ endpoint: 'otlp', status: 429, retryAfter: '1' });
    const ids = publishSpans(100);
    const stats = await client.flush(20_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 100, pending: 0, retries: 1 });
    expectExactlyOnceSpans(ids);
    const [first, second] = server.received.requests;
    expect(first!.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000 - 5);
  });

  it('as an HTTP-date: waits until that date, then delivers once', async () => {
    const { client } = startClient(server, { flushAt: 100 });
    const until = new Date(Date.now() + 2000).toUTCString();
    server.script({ endpoint: 'otlp', status: 429, retryAfter: until });
    const ids = publishSpans(100);
    const stats = await client.flush(20_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 100, pending: 0, retries: 1 });
    expectExactlyOnceSpans(ids);
    const second = server.received.requests[1]!;
    expect(second.status).toBe(200);
    expect(second.at).toBeGreaterThanOrEqual(Date.parse(until) - 5);
  });

  it('longer than the retry budget: the endpoint pauses, nothing is lost or sent into the window; shutdown counts what waited', async () => {
    const { client, logger } = startClient(server, { flushAt: 10, maxRetryElapsedMs: 1_000 });
    server.script({ endpoint: 'otlp', status: 429, retryAfter: '3600', times: Number.POSITIVE_INFINITY });
    publishSpans(10);
    // Past the retry budget: a server's "come back later" is not turned into loss.
    const stats = await client.flush(2_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 0, pending: 10 });
    expect(nonZeroDrops(stats)).toEqual({});
    publishSpans(10);
    await client.flush(300);
    expect(server.received.requests).toHaveLength(1); // new batches wait instead of hitting the window
    const retrying = logger.withCode('FUSEWIRE_EXPORT_RETRYING');
    expect(retrying).toHaveLength(1);
    expect(retrying[0]!.msg).toMatch(/429.*waits 300 s as Retry-After asks/);
    const final = await client.shutdown(300);
    expectBalanced(final);
    expect(nonZeroDrops(final)).toEqual({ shutdown_timeout: 20 });
    expect(client.deadLetters().every((d) => d.reason === 'shutdown_timeout')).toBe(true);
  });
});

describe('413', () => {
  it('OTLP: a batch answered 413 is split until the parts are accepted; each span once', async () => {
    const { client } = startClient(server, { flushAt: 200 });
    server.script({ endpoint: 'otlp', status: 413, times: 3 });
    const ids = publishSpans(200);
    const stats = await client.flush(20_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 200, pending: 0 });
    expectExactlyOnceSpans(ids);
    // Halved depth-first: 200 → 100 → 50 …; nothing stored from a 413.
    const answered413 = server.received.requests.filter((r) => r.status === 413).map((r) => r.eventCount);
    expect(answered413).toEqual([200, 100, 50]);
    expect(server.received.requests.filter((r) => r.status === 200).every((r) => r.eventCount <= 100)).toBe(true);
  });

  it('ingestion against a real body limit: large batches split, a single oversized event is too_large', async () => {
    const small = await startLangfuseServer({ maxBodyBytes: 64 * 1024 });
    try {
      const { client } = startClient(small, { transport: 'ingestion', flushAt: 500 });
      const base = nextBase++ * 1_000_000;
      const traceId = hex32(base);
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) {
        const id = hex16(base + i + 1);
        ids.push(id);
        publish('span', { id, traceId, name: `s-${i}`, input: 'x'.repeat(1024) });
      }
      const bigId = hex16(base + 999_999);
      publish('span', { id: bigId, traceId, name: 'huge', input: 'y'.repeat(100 * 1024) });
      const stats = await client.flush(30_000);

      expectBalanced(stats);
      expect(stats).toMatchObject({ enqueued: 301, delivered: 300, pending: 0 });
      expect(nonZeroDrops(stats)).toEqual({ too_large: 1 });
      const dead = client.deadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ reason: 'too_large', id: bigId });
      const bodyIds = small.received.events.map((e) => e.body.id as string);
      expect(new Set(bodyIds)).toEqual(new Set(ids));
      expect(bodyIds).toHaveLength(300);
      expect(small.received.duplicates().events).toBe(0);
      expect(small.received.requests.filter((r) => r.status === 413).length).toBeGreaterThan(1);
      // Every accepted request fits the server's limit.
      for (const r of small.received.requests) if (r.status === 207) expect(r.bytes).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await stopClient();
      await small.close();
    }
  });
});

describe('connection refused', () => {
  const outageMs = quickOrSoak(3_000, 30_000);
  it(`for ${outageMs / 1000} s: retried until the server is back; every span once; one warning, one recovery`, async () => {
    const { client, logger } = startClient(server, { flushAt: 50, maxRetryElapsedMs: outageMs + 60_000 });
    await server.refuseConnections(outageMs);
    const ids = publishSpans(200);
    const stats = await client.flush(outageMs + 60_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 200, delivered: 200, pending: 0 });
    expect(nonZeroDrops(stats)).toEqual({});
    expect(stats.retries).toBeGreaterThan(0);
    expectExactlyOnceSpans(ids);
    const retrying = logger.withCode('FUSEWIRE_EXPORT_RETRYING');
    expect(retrying.map((l) => l.obj.cause)).toEqual(['ECONNREFUSED']);
    expect(logger.matching(/^export recovered$/)).toHaveLength(1);
  });
});

describe('connection reset mid-body (TCP proxy)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ port: server.port });
  });
  afterAll(() => proxy.close());

  it('mid-request-body: the server stored nothing, the retry delivers each span once', async () => {
    const { client } = startClient(
      { url: proxy.url, publicKey: server.publicKey, secretKey: server.secretKey },
      { flushAt: 50 },
    );
    proxy.cut(3, 'request-body');
    const before = proxy.done['request-body'];
    const ids = publishSpans(200);
    const stats = await client.flush(30_000);
    expect(proxy.done['request-body'] - before).toBe(3);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 200, pending: 0 });
    expect(stats.retries).toBeGreaterThanOrEqual(3);
    expectExactlyOnceSpans(ids);
  });

  it('mid-response-body: the answer is lost, the retry is a counted duplicate on the wire, one span in Langfuse', async () => {
    const { client } = startClient(
      { url: proxy.url, publicKey: server.publicKey, secretKey: server.secretKey },
      { flushAt: 50 },
    );
    proxy.cut(2, 'response-body');
    const before = proxy.done['response-body'];
    const ids = publishSpans(200); // 4 batches of 50: published at once, drained together
    const stats = await client.flush(30_000);
    const cuts = proxy.done['response-body'] - before;
    expect(cuts).toBe(2);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 200, pending: 0 });
    expect(stats.retries).toBeGreaterThanOrEqual(2);
    expectExactlyOnceSpans(ids, cuts * 50);
    expect(server.received.counts.spans).toBe(200 + cuts * 50);
  });
});

describe('a server that accepts and never answers', () => {
  it('hung requests time out and are retried; nothing was stored, so no duplicates', async () => {
    const { client } = startClient(server, { flushAt: 50, timeoutMs: 300 });
    server.script({ endpoint: 'otlp', hang: true, times: 2 });
    const ids = publishSpans(100);
    const stats = await client.flush(30_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 100, pending: 0 });
    expect(stats.retries).toBeGreaterThanOrEqual(2);
    expect(server.received.requests.filter((r) => r.status === 0)).toHaveLength(2);
    expectExactlyOnceSpans(ids);
  });

  it('an answer later than the timeout: stored, answer lost, retried; the duplicate is counted and deduped', async () => {
    const { client } = startClient(server, { flushAt: 50, timeoutMs: 300 });
    server.script({ endpoint: 'otlp', delayMs: 900 });
    const ids = publishSpans(50);
    const stats = await client.flush(30_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 50, pending: 0, retries: 1 });
    await server.waitFor((r) => r.requests.some((q) => q.scripted && q.status === 200), 5_000);
    const late = server.received.requests.find((q) => q.scripted)!;
    expect(late.eventCount).toBe(50);
    expectExactlyOnceSpans(ids, late.eventCount);
  });
});

describe('207 with a mix of per-event 201/400/500 (ingestion)', () => {
  it('retries only the 500s; dead-letters the 400s with the server message; stats balanced', async () => {
    const { client } = startClient(server, { transport: 'ingestion', flushAt: 500, deadLetterSize: 500 });
    const failedOnce = new Set<string>();
    server.script({
      endpoint: 'ingestion',
      times: Number.POSITIVE_INFINITY,
      perEvent: (e) => {
        const name = String(e.body?.name ?? '');
        if (name.startsWith('bad-')) return { status: 400, message: `server says no to ${name}` };
        if (name.startsWith('flaky-') && !failedOnce.has(e.id)) {
          failedOnce.add(e.id);
          return { status: 500, message: 'temporarily unavailable' };
        }
        return undefined;
      },
    });
    const base = nextBase++ * 1_000_000;
    const traceId = hex32(base);
    const groups = { ok: [] as string[], bad: [] as string[], flaky: [] as string[] };
    for (let i = 0; i < 90; i++) {
      const group = (['ok', 'bad', 'flaky'] as const)[i % 3]!;
      const id = hex16(base + i + 1);
      groups[group].push(id);
      publish('span', { id, traceId, name: `${group}-${i}` });
    }
    const stats = await client.flush(20_000);

    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 90, delivered: 60, pending: 0 });
    expect(nonZeroDrops(stats)).toEqual({ non_retryable: 30 });
    const stored = server.received.events.map((e) => e.body.id as string);
    expect(new Set(stored)).toEqual(new Set([...groups.ok, ...groups.flaky]));
    expect(stored).toHaveLength(60);
    expect(server.received.duplicates().events).toBe(0);
    // Only the 500s went out again.
    const [, ...retries] = server.received.requests;
    expect(retries.length).toBeGreaterThanOrEqual(1);
    const resent = retries.flatMap((r) => ((r.body as any)?.batch ?? []).map((e: any) => e.body.id as string));
    expect(new Set(resent)).toEqual(new Set(groups.flaky));
    // The 400s are inspectable, with the server's own message.
    const dead = client.deadLetters();
    expect(dead).toHaveLength(30);
    for (const d of dead) {
      expect(d.reason).toBe('non_retryable');
      expect(d.status).toBe(400);
      expect(groups.bad).toContain(d.id);
      expect(d.message).toContain('server says no to bad-');
    }
  });
});

describe('random fault sequences (model)', () => {
  type Fault =
    | { kind: 'status'; status: number; retryAfter?: string }
    | { kind: 'reset' }
    | { kind: 'hang' }
    | { kind: 'late' };
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    fc.constantFrom(500, 502, 503, 504, 408, 413).map((status): Fault => ({ kind: 'status', status })),
    fc.constant<Fault>({ kind: 'status', status: 429, retryAfter: '0' }),
    fc.constant<Fault>({ kind: 'reset' }),
    fc.constant<Fault>({ kind: 'hang' }),
    fc.constant<Fault>({ kind: 'late' }),
  );
  const rule = (f: Fault) =>
    f.kind === 'status'
      ? { endpoint: 'otlp' as const, status: f.status, ...(f.retryAfter ? { retryAfter: f.retryAfter } : {}) }
      : f.kind === 'reset'
        ? { endpoint: 'otlp' as const, reset: true }
        : f.kind === 'hang'
          ? { endpoint: 'otlp' as const, hang: true }
          : { endpoint: 'otlp' as const, delayMs: 400 }; // answered after the client's 250 ms timeout

  it('any sequence of whole-request faults: each span delivered once in Langfuse (or too_large), wire duplicates only for lost answers, stats balanced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fault, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 120 }),
        async (faults, n) => {
          server.reset();
          const { client } = startClient(server, { flushAt: 40, timeoutMs: 250, maxConcurrentExports: 2 });
          try {
            server.script(faults.map(rule));
            const ids = publishSpans(n);
            const stats = await client.flush(60_000);
            // A late answer lands 400 ms after its request; the retry that succeeded came later
            // still (250 ms timeout + backoff), so a short wait is enough to count it.
            await new Promise((resolve) => setTimeout(resolve, 200));
            expectBalanced(stats);
            expect(stats.pending).toBe(0);
            const tooLarge = client
              .deadLetters()
              .filter((d) => d.reason === 'too_large')
              .map((d) => d.id);
            // A 413 for a batch of one is the only way to lose a span here.
            expect(nonZeroDrops(stats)).toEqual(tooLarge.length > 0 ? { too_large: tooLarge.length } : {});
            if (tooLarge.length > 0) expect(faults.some((f) => f.kind === 'status' && f.status === 413)).toBe(true);
            expect(stats.delivered).toBe(n - tooLarge.length);
            const lost = server.received.requests
              .filter((q) => q.scripted && q.status === 200)
              .reduce((sum, q) => sum + q.eventCount, 0);
            const seen = server.received.spanIds();
            expect(ids.filter((id) => !seen.has(id) && !tooLarge.includes(id))).toEqual([]);
            expect(seen.size).toBe(n - tooLarge.length);
            // A duplicate on the wire only where an answer was lost.
            expect(server.received.counts.spans - seen.size).toBe(lost);
          } finally {
            await stopClient();
          }
        },
      ),
      { seed: FC_SEED, numRuns: SOAK ? 60 : 6, endOnFailure: true },
    );
  });
});
