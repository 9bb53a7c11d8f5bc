import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startLangfuseServer } from './start-langfuse-server.js';
import { event, postIngestion, json } from './test-support.js';

const server = await startLangfuseServer({ maxBodyBytes: 10_000 });
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.ingestionMode = 'v3';
});

describe('POST /api/public/ingestion', () => {
  it('answers 207 with per-event results and stores only accepted events', async () => {
    const batch = [
      event('trace-create', { id: 't1', name: 'chat' }, 'e-trace'),
      event('span-create', { traceId: 't1', name: 'no id' }, 'e-noid'),
      event('generation-create', { id: 'g1', traceId: 't1', usage: { input: 1.5 } }, 'e-usage'),
      event('generation-create', { id: 'g2', traceId: 't1', usage: { input: 3, output: 4 } }, 'e-gen'),
      event('score-create', { traceId: 't1', value: 1 }, 'e-score'),
      event('sdk-log', { log: 'hello' }, 'e-log'),
      { id: 'e-time', timestamp: 'yesterday', type: 'span-create', body: { id: 's' } },
      { ...event('nope-create', {}), id: 'e-type' },
      { ...event('trace-create', { id: 't2' }), id: '' },
    ];
    const res = await postIngestion(server, { batch, metadata: { sdk: 'test' } });
    expect(res.status).toBe(207);
    const answer = await json(res);
    expect(answer.successes).toEqual([
      { id: 'e-trace', status: 201 },
      { id: 'e-gen', status: 201 },
    ]);
    expect(answer.errors.map((e: { id: string; status: number }) => [e.id, e.status])).toEqual([
      ['e-noid', 400],
      ['e-usage', 400],
      ['e-score', 400],
      ['e-time', 400],
      ['e-type', 400],
      ['', 400],
    ]);
    expect(answer.errors[0].message).toMatch(/body\.id is required/);
    expect(answer.errors[1].message).toMatch(/usage\.input must be an integer/);
    expect(answer.errors[2].message).toMatch(/name is required/);
    expect(server.received.events.map((e) => e.id)).toEqual(['e-trace', 'e-gen', 'e-log']);
    expect(server.received.counts).toMatchObject({ events: 3, rejectedEvents: 6, rejected: 0 });
    expect(server.received.requests[0]).toMatchObject({ endpoint: 'ingestion', status: 207, eventCount: 9 });
  });

  it('validates scores', async () => {
    const res = await postIngestion(server, {
      batch: [
        event('score-create', { name: 'ok', value: 1, traceId: 't' }, 's1'),
        event('score-create', { name: 'two targets', value: 1, traceId: 't', sessionId: 's' }, 's2'),
        event('score-create', { name: 'bool', value: 2, traceId: 't', dataType: 'BOOLEAN' }, 's3'),
        event('score-create', { name: 'cat', value: 'good', sessionId: 's', dataType: 'CATEGORICAL' }, 's4'),
      ],
    });
    const answer = await json(res);
    expect(answer.successes.map((s: { id: string }) => s.id)).toEqual(['s1', 's4']);
    expect(answer.errors.map((e: { id: string }) => e.id)).toEqual(['s2', 's3']);
  });

  it('v4 mode rejects trace and observation events but accepts scores and sdk-log', async () => {
    server.ingestionMode = 'v4';
    const res = await postIngestion(server, {
      batch: [
        event('trace-create', { id: 't1' }, 'a'),
        event('span-create', { id: 's1', traceId: 't1' }, 'b'),
        event('score-create', { name: 'n', value: 1, traceId: 't1' }, 'c'),
        event('sdk-log', { log: 'x' }, 'd'),
      ],
    });
    expect(res.status).toBe(207);
    const answer = await json(res);
    expect(answer.successes).toEqual([{ id: 'c', status: 201 }]);
    expect(answer.errors).toEqual([
      { id: 'a', status: 400, message: 'Event type not accepted' },
      { id: 'b', status: 400, message: 'Event type not accepted' },
    ]);
  });

  it('v4 mode can be chosen at start', async () => {
    const v4 = await startLangfuseServer({ ingestionMode: 'v4' });
    try {
      const res = await postIngestion(v4, { batch: [event('trace-create', { id: 't' }, 'x')] });
      expect((await json(res)).errors[0].message).toBe('Event type not accepted');
    } finally {
      await v4.close();
    }
  });

  it('400 for a bad outer shape', async () => {
    for (const body of [{}, { batch: {} }, [], null]) {
      const res = await postIngestion(server, body);
      expect(res.status).toBe(400);
      expect((await json(res)).message).toMatch(/batch/);
    }
    expect(server.received.counts.rejected).toBe(4);
  });

  it('413 plain text above maxBodyBytes', async () => {
    const res = await postIngestion(server, { batch: [event('sdk-log', { log: 'x'.repeat(20_000) })] });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toMatch(/Too Large/);
    expect(server.received.counts).toMatchObject({ events: 0, rejected: 1 });
    expect(server.received.requests[0]?.bytes).toBeGreaterThan(20_000);
  });

  it('counts duplicate envelope ids', async () => {
    const batch = [event('trace-create', { id: 't' }, 'dup'), event('span-create', { id: 's', traceId: 't' }, 'once')];
    await postIngestion(server, { batch });
    await postIngestion(server, { batch: [batch[0]] });
    await postIngestion(server, { batch: [batch[0]] });
    expect(server.received.counts).toMatchObject({ events: 4, uniqueEvents: 2, duplicateEvents: 1 });
    expect(server.received.duplicates()).toEqual({ spans: 0, events: 1 });
    expect(server.received.eventIds().get('dup')).toBe(3);
  });
});
