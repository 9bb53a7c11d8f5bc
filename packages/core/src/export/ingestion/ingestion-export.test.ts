import { type IngestionEvent, type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toSpanId, toTraceId } from '../../model/ids.js';
import { SDK_VERSION } from '../../runtime/version.js';
import { expectBalanced, publish, sleep, startClient, stopClient } from '../../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.ingestionMode = 'v3';
});
afterEach(stopClient);

const ofType = (type: string): IngestionEvent[] => server.received.events.filter((e) => e.type === type);
const batchIds = (i: number): string[] =>
  ((server.received.requests[i]!.body as { batch: Array<{ id: string }> }).batch ?? []).map((e) => e.id);

describe('ingestion transport: every field reaches its body field', () => {
  it('maps trace, span, generation, event, typed observations and scores', async () => {
    const { client } = startClient(server, { transport: 'ingestion', environment: 'test', release: 'rel-1' });
    const t0 = Date.parse('2025-03-01T10:00:00.000Z');
    publish('trace', {
      id: 'trace-all',
      name: 'chat',
      timestamp: t0,
      userId: 'u',
      sessionId: 's',
      input: { q: 1 },
      output: 'a',
      metadata: { m: true },
      tags: ['x'],
      public: false,
      version: 'tv',
    });
    publish('span', {
      traceId: 'trace-all',
      id: 'root',
      name: 'handle',
      startTime: t0,
      endTime: t0 + 100,
      input: 'in',
      output: [1],
      metadata: { k: 'v' },
      level: 'DEBUG',
      statusMessage: 'ok',
      version: 'sv',
      environment: 'span-env',
    });
    publish('generation', {
      traceId: 'trace-all',
      parentObservationId: 'root',
      id: 'gen',
      name: 'llm',
      startTime: t0 + 1,
      endTime: t0 + 50,
      model: 'gpt-4o',
      modelParameters: { temperature: 0 },
      usageDetails: { input: 1, output: 2 },
      costDetails: { total: 0.5 },
      completionStartTime: t0 + 10,
      promptName: 'p',
      promptVersion: 1,
    });
    publish('event', {
      traceId: 'trace-all',
      parentObservationId: 'root',
      id: 'evt',
      name: 'e',
      startTime: t0 + 2,
      endTime: t0 + 3,
    });
    publish('span', {
      traceId: 'trace-all',
      parentObservationId: 'root',
      id: 'ret',
      type: 'retriever',
      name: 'r',
      model: 'embed',
    });
    publish('score', { traceId: 'trace-all', name: 'q', value: 1, dataType: 'NUMERIC' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 6, delivered: 6 });
    expect(server.received.requests).toHaveLength(1); // one lane: scores share the batch
    expect((server.received.requests[0]!.body as { metadata: unknown }).metadata).toEqual({
      sdk_name: 'fusewire',
      sdk_version: SDK_VERSION,
    });

    const traceId = toTraceId('trace-all');
    const [trace] = ofType('trace-create');
    expect(trace!.timestamp).toBe(new Date(t0).toISOString());
    expect(trace!.body).toEqual({
      id: traceId,
      timestamp: new Date(t0).toISOString(),
      name: 'chat',
      userId: 'u',
      sessionId: 's',
      input: { q: 1 },
      output: 'a',
      metadata: { m: true },
      tags: ['x'],
      public: false,
      release: 'rel-1',
      version: 'tv',
      environment: 'test',
    });
    const [span] = ofType('span-create');
    expect(span!.body).toEqual({
      id: toSpanId('root'),
      traceId,
      name: 'handle',
      startTime: new Date(t0).toISOString(),
      endTime: new Date(t0 + 100).toISOString(),
      input: 'in',
      output: [1],
      metadata: { k: 'v' },
      level: 'DEBUG',
      statusMessage: 'ok',
      version: 'sv',
      environment: 'span-env',
    });
    const [gen] = ofType('generation-create');
    expect(gen!.body).toMatchObject({
      id: toSpanId('gen'),
      traceId,
      parentObservationId: toSpanId('root'),
      model: 'gpt-4o',
      modelParameters: { temperature: 0 },
      usageDetails: { input: 1, output: 2 },
      costDetails: { total: 0.5 },
      completionStartTime: new Date(t0 + 10).toISOString(),
      promptName: 'p',
      promptVersion: 1,
      environment: 'test',
    });
    const [evt] = ofType('event-create');
    expect(evt!.body.endTime).toBeUndefined();
    expect(evt!.body.parentObservationId).toBe(toSpanId('root'));
    const [ret] = ofType('retriever-create');
    expect(ret!.body).toMatchObject({ id: toSpanId('ret'), model: 'embed' });
    const [score] = ofType('score-create');
    expect(score!.body).toMatchObject({ traceId, name: 'q', value: 1, dataType: 'NUMERIC' });

    // Envelope ids are fresh per event.
    expect(new Set(server.received.events.map((e) => e.id)).size).toBe(6);
    const [view] = server.received.traces();
    expect(view!.roots).toHaveLength(1);
    expect(view!.observations).toHaveLength(4);
  });

  it('re-sends the same envelope ids on retry, so nothing duplicates', async () => {
    const { client } = startClient(server, { transport: 'ingestion' });
    server.script({ endpoint: 'ingestion', status: 500 });
    for (let i = 0; i < 3; i++) publish('span', { name: `s${i}` });
    const stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 3, retries: 1 });
    expect(server.received.requests).toHaveLength(2);
    expect(batchIds(1)).toEqual(batchIds(0));
    expect(server.received.duplicates()).toEqual({ spans: 0, events: 0 });
  });

  it('207 with mixed per-event results: retries only the 5xx, dead-letters the 400s with the server message', async () => {
    const { client, logger } = startClient(server, { transport: 'ingestion' });
    server.script({
      endpoint: 'ingestion',
      perEvent: (e: IngestionEvent) => {
        const name = e.body.name as string;
        if (name === 'bad-0' || name === 'bad-1') return { status: 400, message: `schema says no to ${name}` };
        if (name.startsWith('flaky')) return { status: 500, message: 'database hiccup' };
        return undefined;
      },
    });
    for (const name of ['ok-0', 'bad-0', 'flaky-0', 'ok-1', 'bad-1', 'flaky-1']) publish('span', { name });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 6, delivered: 4, pending: 0, retries: 1 });
    expect(stats.dropped.non_retryable).toBe(2);
    expect(server.received.requests).toHaveLength(2);
    const retried = batchIds(1);
    expect(retried).toHaveLength(2);
    for (const id of retried) expect(batchIds(0)).toContain(id);
    expect(server.received.events.map((e) => e.body.name).sort()).toEqual(['flaky-0', 'flaky-1', 'ok-0', 'ok-1']);
    const dead = client.deadLetters();
    expect(dead).toHaveLength(2);
    for (const d of dead) {
      expect(d).toMatchObject({ reason: 'non_retryable', status: 400, kind: 'span' });
      expect(d.message).toContain('schema says no to bad-');
      expect(d.preview).toContain('bad-');
    }
    expect(
      logger.withCode('FUSEWIRE_EXPORT_FAILED').length + logger.withCode('FUSEWIRE_EXPORT_RETRYING').length,
    ).toBeGreaterThan(0);
  });

  it('keeps stats balanced while part of a 207 is waiting for its retry', async () => {
    const { client } = startClient(server, { transport: 'ingestion' });
    server.script({
      endpoint: 'ingestion',
      perEvent: (e: IngestionEvent) => (e.body.name === 'flaky' ? { status: 503 } : undefined),
    });
    publish('span', { name: 'ok' });
    publish('span', { name: 'flaky' });
    publish('span', { name: 'ok-too' });
    await server.waitFor((r) => r.requests.length >= 1);
    // The server records a request as it sends the answer: wait until the client has read the 207
    // (two events delivered) rather than a fixed 30 ms, which one wait for a core on a loaded box
    // can take. The flaky event then sleeps in backoff; its retries meet the same 503 (10 s budget).
    let mid = client.stats();
    for (const until = Date.now() + 5_000; mid.delivered < 2 && Date.now() < until; mid = client.stats())
      await sleep(5);
    expect(mid.delivered).toBe(2);
    expect(mid.pending).toBe(1);
    expectBalanced(mid);
    expectBalanced(await client.flush());
  });

  it('against a v4 server: observations refused per event (non_retryable), scores still delivered', async () => {
    server.ingestionMode = 'v4';
    const { client } = startClient(server, { transport: 'ingestion' });
    publish('trace', { id: 'v4', name: 'n' });
    publish('span', { traceId: 'v4', name: 's' });
    publish('score', { traceId: 'v4', name: 'q', value: 1 });
    const stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 1, retries: 0 });
    expect(stats.dropped.non_retryable).toBe(2);
    expect(server.received.events.map((e) => e.type)).toEqual(['score-create']);
    const dead = client.deadLetters();
    expect(dead.map((d) => d.kind).sort()).toEqual(['span', 'trace']);
    for (const d of dead) expect(d.message).toContain('Event type not accepted');
  });

  it('splits a batch the server answers 413 until every part fits', async () => {
    const small = await startLangfuseServer({ maxBodyBytes: 20_000 });
    try {
      const { client } = startClient(small, { transport: 'ingestion' });
      for (let i = 0; i < 20; i++) publish('span', { name: `big-${i}`, input: 'x'.repeat(2_000) });
      const stats = await client.flush();
      expectBalanced(stats);
      expect(stats).toMatchObject({ delivered: 20, pending: 0 });
      expect(small.received.requests.some((r) => r.status === 413)).toBe(true);
      expect(small.received.uniqueEventCount).toBe(20);
      expect(small.received.duplicates().events).toBe(0);
    } finally {
      await stopClient();
      await small.close();
    }
  });
});
