import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBalanced, publish, sleep, startClient, stopClient } from '../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

const requests = () => server.received.requests;

async function deadUrl(): Promise<string> {
  const gone = await startLangfuseServer();
  const url = gone.url;
  await gone.close();
  return url;
}

describe('retryable answers', () => {
  it('500, 502, 503, 504, 408 and 429, each then success: every event delivered once', async () => {
    const statuses = [500, 502, 503, 504, 408, 429];
    // All six at once (one request per event, all in flight together) to keep the suite fast.
    const { client, logger } = startClient(server, { flushAt: 1, maxConcurrentExports: statuses.length });
    server.script(statuses.map((status) => ({ endpoint: 'otlp' as const, status })));
    for (const status of statuses) publish('span', { name: `event-${status}` });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 6, delivered: 6, pending: 0, retries: 6, requests: 12 });
    const firsts = requests()
      .slice(0, 6)
      .map((r) => r.status)
      .sort();
    expect(firsts).toEqual([...statuses].sort());
    expect(
      requests()
        .slice(6)
        .every((r) => r.status === 200),
    ).toBe(true);
    expect(server.received.uniqueSpanCount).toBe(6);
    expect(server.received.duplicates().spans).toBe(0);
    // One warning per distinct cause, then one recovery line.
    expect(
      logger
        .withCode('FUSEWIRE_EXPORT_RETRYING')
        .map((l) => l.obj.cause)
        .sort(),
    ).toEqual(statuses.map((s) => `HTTP_${s}`).sort());
    expect(stats.lastError).toBeUndefined(); // cleared by the recovery
    expect(logger.lines.some((l) => l.level === 'info' && l.msg === 'export recovered')).toBe(true);
  });

  it('waits at least Retry-After seconds on 429', async () => {
    const { client } = startClient(server);
    server.script({ endpoint: 'otlp', status: 429, retryAfter: '1' });
    publish('span', { name: 'x' });
    await client.flush();
    const [first, second] = requests();
    expect(second!.status).toBe(200);
    // 2 ms of slack for timer/clock granularity.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000 - 2);
  });

  it('waits until a Retry-After HTTP-date on 503', async () => {
    const { client } = startClient(server);
    const until = new Date(Date.now() + 2000);
    server.script({ endpoint: 'otlp', status: 503, retryAfter: until.toUTCString() });
    publish('span', { name: 'x' });
    await client.flush();
    const [, second] = requests();
    expect(second!.status).toBe(200);
    expect(second!.at).toBeGreaterThanOrEqual(Date.parse(until.toUTCString()) - 2);
  });

  it('retries a connection reset mid-request', async () => {
    const { client } = startClient(server);
    server.script({ endpoint: 'otlp', reset: true });
    publish('span', { name: 'x' });
    const stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 1, retries: 1 });
    expect(requests().map((r) => r.status)).toEqual([0, 200]);
  });

  it('times out a hung request and retries it', async () => {
    const { client } = startClient(server, { timeoutMs: 100 });
    server.script({ endpoint: 'otlp', hang: true });
    publish('span', { name: 'x' });
    const stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 1, retries: 1 });
    expect(requests()).toHaveLength(2);
  });

  it('retries a refused connection until the server is back', async () => {
    const { client } = startClient(server);
    await server.refuseConnections(150);
    publish('span', { name: 'x' });
    const stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 1, pending: 0 });
    expect(stats.retries).toBeGreaterThanOrEqual(1);
  });
});

describe('final answers', () => {
  it.each([
    [400, 'malformed'],
    [401, 'LANGFUSE_SECRET_KEY'],
    [403, 'not allowed'],
    [404, 'baseUrl'],
  ])('%i is not retried: non_retryable, dead letter with a hint', async (status, hint) => {
    const { client, logger } = startClient(server);
    server.script({ endpoint: 'otlp', status });
    publish('span', { traceId: 'tr', id: 'sp', name: 'x' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 0, pending: 0, retries: 0 });
    expect(stats.dropped.non_retryable).toBe(1);
    await sleep(50);
    expect(requests()).toHaveLength(1);
    const [dead] = client.deadLetters();
    expect(dead).toMatchObject({ reason: 'non_retryable', status, kind: 'span' });
    expect(dead!.message).toContain(hint);
    expect(dead!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(dead!.preview).toContain('"name":"x"');
    expect(logger.withCode('FUSEWIRE_EXPORT_FAILED')).toHaveLength(1);
    expect(stats.lastError?.code).toBe(`HTTP_${status}`);
  });

  it('a wrong baseUrl path gets a real 404 with the baseUrl hint', async () => {
    const { client } = startClient(server, { baseUrl: `${server.url}/langfuse` });
    publish('span', { name: 'x' });
    await client.flush();
    expect(client.deadLetters()[0]!.message).toContain('Check baseUrl');
    expect(requests()[0]!.path).toBe('/langfuse/api/public/otel/v1/traces');
  });

  it('wrong keys get a real 401', async () => {
    const { client } = startClient(server, { secretKey: 'sk-lf-wrong' });
    publish('span', { name: 'x' });
    const stats = await client.flush();
    expect(stats.dropped.non_retryable).toBe(1);
    expect(client.deadLetters()[0]!.status).toBe(401);
  });
});

describe('413 and size limits', () => {
  it('splits a batch answered 413 in halves', async () => {
    const { client } = startClient(server);
    server.script({ endpoint: 'otlp', status: 413 });
    for (let i = 0; i < 4; i++) publish('span', { name: `s${i}` });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 4, pending: 0 });
    expect(requests().map((r) => [r.status, r.eventCount])).toEqual([
      [413, 4],
      [200, 2],
      [200, 2],
    ]);
  });

  it('drops a single event answered 413 as too_large', async () => {
    const { client } = startClient(server);
    server.script({ endpoint: 'otlp', status: 413, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 3; i++) publish('span', { name: `s${i}` });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.dropped.too_large).toBe(3);
    expect(client.deadLetters().every((d) => d.reason === 'too_large')).toBe(true);
    expect(requests().every((r) => r.eventCount >= 1)).toBe(true);
  });

  it('drops an event larger than maxBatchBytes before sending, and sends the rest', async () => {
    const { client } = startClient(server, { maxBatchBytes: 1024 });
    publish('span', { name: 'huge', input: 'x'.repeat(5000) });
    publish('span', { name: 'small' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ delivered: 1 });
    expect(stats.dropped.too_large).toBe(1);
    expect(client.deadLetters()[0]!.message).toContain('maxBatchBytes');
    expect(server.received.spans.map((s) => s.name)).toEqual(['small']);
  });
});

describe('retry budget', () => {
  it('gives up after maxRetryElapsedMs: retry_exhausted, dead letter, logged as an error', async () => {
    const { client, logger } = startClient(server, { maxRetryElapsedMs: 600 });
    server.script({ endpoint: 'otlp', status: 503, times: Number.POSITIVE_INFINITY });
    publish('span', { name: 'doomed' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.dropped.retry_exhausted).toBe(1);
    expect(stats.pending).toBe(0);
    expect(client.deadLetters()[0]).toMatchObject({ reason: 'retry_exhausted' });
    expect(client.deadLetters()[0]!.message).toContain('503');
    expect(logger.withCode('FUSEWIRE_EXPORT_FAILED')).toHaveLength(1);
  });

  it('logs a new outage again after a recovery', async () => {
    const { client, logger } = startClient(server);
    server.script({ endpoint: 'otlp', status: 503 });
    publish('span', { name: 'a' });
    await client.flush();
    server.script({ endpoint: 'otlp', status: 503 });
    publish('span', { name: 'b' });
    await client.flush();
    expect(logger.withCode('FUSEWIRE_EXPORT_RETRYING')).toHaveLength(2);
  });
});

describe('backlog and concurrency', () => {
  it('drains 5,000 events completely with at most maxConcurrentExports requests in flight', async () => {
    const delayMs = 15;
    const { client } = startClient(server, { flushAt: 100, maxConcurrentExports: 2 });
    server.script({ endpoint: 'otlp', delayMs, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 5000; i++) publish('span', { name: `s${i}` });
    const stats = await client.flush(30_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 5000, delivered: 5000, pending: 0 });
    expect(stats.queue.size).toBe(0);
    expect(server.received.uniqueSpanCount).toBe(5000);
    const reqs = requests();
    expect(reqs.length).toBeGreaterThanOrEqual(50);
    expect(reqs.every((r) => r.eventCount <= 100)).toBe(true);
    // Each request is open at least [at, at + delayMs): count the most that overlap.
    const edges = reqs.flatMap((r) => [
      [r.at, 1],
      [r.at + delayMs, -1],
    ]) as Array<[number, number]>;
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let most = 0;
    for (const [, d] of edges) {
      open += d;
      most = Math.max(most, open);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBeGreaterThanOrEqual(1);
  });
});

describe('shutdown', () => {
  it('drains everything queued', async () => {
    const { client } = startClient(server, { flushAt: 50, maxConcurrentExports: 1 });
    server.script({ endpoint: 'otlp', delayMs: 5, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 300; i++) publish('span', { name: `s${i}` });
    publish('score', { traceId: 't', name: 'q', value: 1 });
    const stats = await client.shutdown(10_000);
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 301, delivered: 301, pending: 0 });
    expect(server.received.uniqueSpanCount).toBe(300);
    expect(server.received.uniqueEventCount).toBe(1);
  });

  it('with a dead backend resolves by its deadline and counts shutdown_timeout', async () => {
    const { client, logger } = startClient(server, { baseUrl: await deadUrl() });
    for (let i = 0; i < 10; i++) publish('span', { name: `s${i}` });
    publish('span', { traceId: 'never', name: 'n' });
    const started = Date.now();
    const stats = await client.shutdown(300);
    expect(Date.now() - started).toBeLessThan(300 + 1500);
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 11, delivered: 0, pending: 0 });
    expect(stats.dropped.shutdown_timeout).toBe(11);
    expect(stats.queue.size).toBe(0);
    const warnings = logger.withCode('FUSEWIRE_SHUTDOWN_TIMEOUT');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj.unsent).toBe(11);
    expect(client.deadLetters().every((d) => d.reason === 'shutdown_timeout')).toBe(true);
  });

  it('aborts a hung request at the deadline', async () => {
    const { client } = startClient(server, { timeoutMs: 60_000 });
    server.script({ endpoint: 'otlp', hang: true });
    publish('span', { name: 'stuck' });
    await server.waitFor((r) => r.requests.length >= 1);
    const started = Date.now();
    const stats = await client.shutdown(200);
    expect(Date.now() - started).toBeLessThan(200 + 1500);
    expect(stats.dropped.shutdown_timeout).toBe(1);
    expectBalanced(stats);
  });

  it('is idempotent; flush and publish afterwards are harmless and counted', async () => {
    const { client } = startClient(server);
    publish('span', { name: 'before' });
    const first = await client.shutdown();
    const second = await client.shutdown();
    expect(second).toBe(first);
    expect(first).toMatchObject({ enqueued: 1, delivered: 1 });
    publish('span', { name: 'after' });
    publish('score', { traceId: 't', name: 'q', value: 1 });
    const flushed = await client.flush(100);
    expectBalanced(flushed);
    expect(flushed.enqueued).toBe(3);
    expect(flushed.dropped.after_shutdown).toBe(2);
    expect(server.received.spans.map((s) => s.name)).toEqual(['before']);
  });
});
