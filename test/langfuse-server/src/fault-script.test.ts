import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startLangfuseServer } from './start-langfuse-server.js';
import { ROOT_ID, event, otlpBody, postIngestion, postOtlp, span, json } from './test-support.js';

const server = await startLangfuseServer();
afterAll(() => server.close());
beforeEach(() => server.reset());

const spans = () => otlpBody([span({ spanId: ROOT_ID })]);

async function failureCode(promise: Promise<Response>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; name?: string } }).cause;
    return cause?.code ?? cause?.name ?? (error as Error).name;
  }
}

describe('scripted faults', () => {
  it('answers a status with Retry-After, then is consumed', async () => {
    server.script([{ endpoint: 'otlp', status: 429, retryAfter: '1', times: 2 }]);
    for (let i = 0; i < 2; i++) {
      const res = await postOtlp(server, spans());
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await json(res)).toEqual({ message: 'scripted 429' });
    }
    expect(server.pendingScripts()).toBe(0);
    expect((await postOtlp(server, spans())).status).toBe(200);
    expect(server.received.requests.map((r) => [r.status, r.scripted, r.eventCount])).toEqual([
      [429, true, 1],
      [429, true, 1],
      [200, false, 1],
    ]);
    expect(server.received.counts).toMatchObject({ spans: 1, rejected: 2 });
  });

  it('sends a custom body and matches rules by endpoint, in order', async () => {
    server.script([
      { endpoint: 'otlp', status: 503, body: 'down' },
      { endpoint: 'ingestion', status: 500 },
      { status: 502 },
    ]);
    const ingestion = await postIngestion(server, { batch: [] });
    expect(ingestion.status).toBe(500);
    const otlp = await postOtlp(server, spans());
    expect([otlp.status, await otlp.text()]).toEqual([503, 'down']);
    expect((await fetch(`${server.url}/api/public/health`)).status).toBe(200); // health never matches
    expect((await postIngestion(server, { batch: [] })).status).toBe(502);
    expect(server.pendingScripts()).toBe(0);
  });

  it('delays the answer', async () => {
    server.script({ delayMs: 150 });
    const started = Date.now();
    const res = await postOtlp(server, spans());
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.received.requests[0]?.scripted).toBe(true);
  });

  it('hangs: reads the body and never answers', async () => {
    server.script({ hang: true });
    expect(await failureCode(postOtlp(server, spans(), { signal: AbortSignal.timeout(200) }))).toBe('TimeoutError');
    expect(server.received.requests[0]).toMatchObject({ status: 0, scripted: true, eventCount: 1 });
    expect(server.received.counts).toMatchObject({ spans: 0, rejected: 1 });
    expect((await postOtlp(server, spans())).status).toBe(200);
  });

  it('resets the connection without answering', async () => {
    server.script({ endpoint: 'ingestion', reset: true });
    expect(await failureCode(postIngestion(server, { batch: [] }))).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(server.received.requests[0]).toMatchObject({ status: 0, scripted: true });
    expect((await postIngestion(server, { batch: [] })).status).toBe(207);
  });

  it('perEvent overrides chosen events; the rest are validated as usual', async () => {
    server.script({
      endpoint: 'ingestion',
      perEvent: (e) => (e.id === 'flaky' ? { status: 500, message: 'try again' } : undefined),
    });
    const batch = [
      event('trace-create', { id: 't' }, 'ok'),
      event('trace-create', { id: 't' }, 'flaky'),
      event('span-create', {}, 'bad'),
    ];
    const answer = await json(postIngestion(server, { batch }));
    expect(answer.successes).toEqual([{ id: 'ok', status: 201 }]);
    expect(answer.errors).toEqual([
      { id: 'flaky', status: 500, message: 'try again' },
      expect.objectContaining({ id: 'bad', status: 400 }),
    ]);
    expect(server.received.events.map((e) => e.id)).toEqual(['ok']);
    // consumed: the retry succeeds
    const retry = await json(postIngestion(server, { batch: [batch[1]] }));
    expect(retry.successes).toEqual([{ id: 'flaky', status: 201 }]);
  });

  it('stop() refuses connections, restart() listens on the same port and keeps state', async () => {
    await postOtlp(server, spans());
    const port = server.port;
    await server.stop();
    expect(await failureCode(postOtlp(server, spans()))).toBe('ECONNREFUSED');
    await server.restart();
    expect(server.port).toBe(port);
    expect((await postOtlp(server, spans())).status).toBe(200);
    expect(server.received.counts.spans).toBe(2);
  });

  it('refuseConnections(ms) comes back by itself', async () => {
    await server.refuseConnections(150);
    expect(await failureCode(postOtlp(server, spans()))).toBe('ECONNREFUSED');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await postOtlp(server, spans())).status).toBe(200);
  });

  it('close() ends hung requests and delayed timers', async () => {
    const other = await startLangfuseServer();
    other.script([{ hang: true }, { delayMs: 60_000 }]);
    const hung = failureCode(postOtlp(other, spans()));
    const delayed = failureCode(postOtlp(other, spans()));
    await other.waitFor((r) => r.requests.length === 1);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(await delayed).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    await expect(other.restart()).rejects.toThrow(/closed/);
  });
});
