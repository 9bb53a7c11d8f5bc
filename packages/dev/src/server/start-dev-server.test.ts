import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlpProtobuf } from '../otlp/decode-otlp-protobuf.js';
import { chatTrace, hex, otlpRequest, otlpSpan, post } from '../test-support.js';
import type { ViewTrace } from '../view/types.js';
import { formatTraces } from '../view/format-traces.js';
import { type DevServer, startDevServer } from './start-dev-server.js';

const OTLP = '/api/public/otel/v1/traces';
let servers: DevServer[] = [];

async function start(options: Parameters<typeof startDevServer>[0] = {}): Promise<DevServer> {
  const server = await startDevServer({ port: 0, log: () => {}, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  return res.json();
}

describe('startDevServer', () => {
  it('takes OTLP/JSON and shows the trace as Langfuse v4 would: name, user, tree, model and usage', async () => {
    const dev = await start();
    const { traceId, request } = chatTrace({ userId: 'u-1', sessionId: 's-1' });
    const answer = await post(dev.url + OTLP, JSON.stringify(request));
    expect(answer).toMatchObject({ status: 200, json: {} });

    const list = await getJson(`${dev.url}/api/dev/traces`);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: traceId,
      name: 'chat-request',
      userId: 'u-1',
      sessionId: 's-1',
      models: ['gpt-4o'],
    });
    expect(list[0].totalTokens).toBe(46);

    const trace: ViewTrace = await getJson(`${dev.url}/api/dev/traces/${traceId}`);
    expect(trace.roots).toHaveLength(1);
    expect(trace.roots[0]!.name).toBe('handle');
    expect(trace.input).toEqual({ question: 'What is fusewire?' });
    const generation = trace.roots[0]!.children[0]!;
    expect(generation).toMatchObject({ type: 'generation', model: 'gpt-4o', usage: { input: 12, output: 34 } });
    expect(generation.totalCost).toBeCloseTo(12 * 2.5e-6 + 34 * 1e-5, 12);
  });

  it('takes protobuf and gzip, and the same trace comes out', async () => {
    const dev = await start();
    const a = chatTrace({ name: 'from-protobuf' });
    const b = chatTrace({ name: 'from-gzip-json' });
    const c = chatTrace({ name: 'from-gzip-protobuf' });
    const protobuf = { 'content-type': 'application/x-protobuf' };
    expect((await post(dev.url + OTLP, encodeOtlpProtobuf(a.request), protobuf)).status).toBe(200);
    const gz = { 'content-encoding': 'gzip' };
    expect((await post(dev.url + OTLP, gzipSync(JSON.stringify(b.request)), gz)).status).toBe(200);
    expect((await post(dev.url + OTLP, gzipSync(encodeOtlpProtobuf(c.request)), { ...protobuf, ...gz })).status).toBe(
      200,
    );
    const names = (await getJson(`${dev.url}/api/dev/traces`)).map((t: any) => t.name).sort();
    expect(names).toEqual(['from-gzip-json', 'from-gzip-protobuf', 'from-protobuf']);
    const trace: ViewTrace = await getJson(`${dev.url}/api/dev/traces/${a.traceId}`);
    expect(trace.roots[0]!.children[0]!.usage).toEqual({ input: 12, output: 34, total: 46 });
  });

  it('answers a malformed request as Langfuse does and records why, nothing stored', async () => {
    const dev = await start();
    const good = otlpSpan({ traceId: hex(16), name: 'fine' });
    const bad = otlpSpan({ traceId: 'NOT-HEX', name: 'broken' });
    const answer = await post(dev.url + OTLP, JSON.stringify(otlpRequest([good, bad])));
    expect(answer.status).toBe(400);
    expect(answer.json.message).toMatch(/spans\[1\]: traceId must be 32 lowercase hex/);
    expect((await post(dev.url + OTLP, 'not json')).status).toBe(400);
    expect((await post(dev.url + OTLP, '{}', { 'content-type': 'text/plain' })).status).toBe(400);
    expect((await post(dev.url + OTLP, 'x', { 'content-encoding': 'gzip' })).json.message).toMatch(/gzip/);
    const stats = dev.stats();
    expect(stats.rejectedRequests).toBe(4);
    expect(stats.lastRejection).toMatchObject({ status: 400, path: OTLP });
    expect(stats.store.traces).toBe(0);
  });

  it('refuses bodies over the limit, before and after gzip', async () => {
    const dev = await start({ maxBodyBytes: 10_000 });
    const big = JSON.stringify(otlpRequest([otlpSpan({ traceId: hex(16), name: 'x'.repeat(20_000) })]));
    expect((await post(dev.url + OTLP, big)).status).toBe(413);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(10_000);
    expect((await post(dev.url + OTLP, zipped, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  it('takes the batch API: 207 per event, and the trace is assembled from the events', async () => {
    const dev = await start();
    const traceId = hex(16);
    const now = new Date().toISOString();
    const batch = [
      { id: 'e1', type: 'trace-create', timestamp: now, body: { id: traceId, name: 'batch-trace', userId: 'u-9' } },
      {
        id: 'e2',
        type: 'generation-create',
        timestamp: now,
        body: {
          id: 'g1',
          traceId,
          name: 'llm',
          model: 'gpt-4o',
          usageDetails: { input: 1, output: 2 },
          startTime: now,
        },
      },
      { id: 'e3', type: 'span-create', timestamp: now, body: { traceId } },
      { id: 'e4', type: 'sdk-log', timestamp: now, body: { log: 'hi' } },
    ];
    const answer = await post(`${dev.url}/api/public/ingestion`, JSON.stringify({ batch }));
    expect(answer.status).toBe(207);
    expect(answer.json.successes).toEqual([
      { id: 'e1', status: 201 },
      { id: 'e2', status: 201 },
    ]);
    expect(answer.json.errors).toEqual([{ id: 'e3', status: 400, message: 'body.id is required for observations' }]);
    const trace: ViewTrace = await getJson(`${dev.url}/api/dev/traces/${traceId}`);
    expect(trace).toMatchObject({ name: 'batch-trace', userId: 'u-9' });
    expect(trace.roots[0]).toMatchObject({ name: 'llm', model: 'gpt-4o' });
    expect((await post(`${dev.url}/api/public/ingestion`, '{"nope":1}')).status).toBe(400);
  });

  it('keeps memory bounded by trace count and by bytes, the oldest going first', async () => {
    const dev = await start({ maxTraces: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = chatTrace({ name: `t${i}` });
      ids.push(t.traceId);
      await post(dev.url + OTLP, JSON.stringify(t.request));
    }
    expect((await getJson(`${dev.url}/api/dev/traces`)).map((t: any) => t.name)).toEqual(['t4', 't3', 't2']);
    expect(dev.stats().store).toMatchObject({ traces: 3, evictedTraces: 2 });
    expect((await fetch(`${dev.url}/api/dev/traces/${ids[0]}`)).status).toBe(404);

    const small = await start({ maxBytes: 6_000 });
    for (let i = 0; i < 10; i++) await post(small.url + OTLP, JSON.stringify(chatTrace().request));
    const counters = small.stats().store;
    expect(counters.bytes).toBeLessThanOrEqual(6_000);
    expect(counters.traces).toBeGreaterThan(0);
    expect(counters.traces + counters.evictedTraces).toBe(10);
  });

  it('replaces a re-sent span whole, as Langfuse v4 replaces its row', async () => {
    const dev = await start();
    const traceId = hex(16);
    const spanId = hex(8);
    const first = otlpSpan({ traceId, spanId, name: 'root', attributes: { 'langfuse.trace.tags': ['a'] } });
    const again = otlpSpan({ traceId, spanId, name: 'root', attributes: { 'langfuse.trace.tags': ['b'] } });
    await post(dev.url + OTLP, JSON.stringify(otlpRequest([first])));
    await post(dev.url + OTLP, JSON.stringify(otlpRequest([again])));
    const trace: ViewTrace = await getJson(`${dev.url}/api/dev/traces/${traceId}`);
    expect(trace.observationCount).toBe(1);
    expect(trace.tags).toEqual(['b']);
    expect(dev.stats().store.spans).toBe(1);
  });

  it('gives scripts the traces oldest first, and formats them as text trees', async () => {
    const dev = await start();
    await post(dev.url + OTLP, JSON.stringify(chatTrace({ name: 'first', userId: 'u-1' }).request));
    await post(dev.url + OTLP, JSON.stringify(chatTrace({ name: 'second' }).request));
    expect(dev.traces().map((t) => t.name)).toEqual(['first', 'second']);
    const text = formatTraces(dev.traces());
    expect(text).toMatch(/^trace first \([0-9a-f]{32}\) user=u-1/);
    expect(text).toContain('    - [generation] chat (80 ms) model=gpt-4o usage=input:12,output:34,total:46');
  });
});
