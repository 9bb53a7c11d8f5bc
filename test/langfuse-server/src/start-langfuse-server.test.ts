import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startLangfuseServer } from './start-langfuse-server.js';
import { ROOT_ID, otlpBody, postIngestion, postOtlp, span, json } from './test-support.js';

const server = await startLangfuseServer();
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('startLangfuseServer', () => {
  it('listens on 127.0.0.1 with the default keys', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.publicKey).toBe('pk-lf-test');
    expect(server.secretKey).toBe('sk-lf-test');
    expect(server.authorization).toBe(`Basic ${Buffer.from('pk-lf-test:sk-lf-test').toString('base64')}`);
  });

  it('rejects invalid options at construction', async () => {
    await expect(startLangfuseServer({ port: -1 })).rejects.toThrow(/port/);
    await expect(startLangfuseServer({ ingestionMode: 'v5' as never })).rejects.toThrow(/ingestionMode/);
  });

  it('answers health, 404 and 405', async () => {
    const health = await fetch(`${server.url}/api/public/health`);
    expect(health.status).toBe(200);
    expect(await json(health)).toMatchObject({ status: 'OK' });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/public/ingestion`)).status).toBe(405);
    expect(server.received.counts).toMatchObject({ requests: 3, rejected: 1 });
  });

  describe('auth', () => {
    it('401 without or with wrong Basic credentials, 403 for Bearer', async () => {
      const bad = `Basic ${Buffer.from('pk-lf-test:wrong').toString('base64')}`;
      for (const post of [postOtlp, postIngestion]) {
        const none = await post(server, {}, { headers: { authorization: '' } });
        expect(none.status).toBe(401);
        expect(await json(none)).toHaveProperty('message');
        expect((await post(server, {}, { headers: { authorization: bad } })).status).toBe(401);
        expect((await post(server, {}, { headers: { authorization: 'Bearer sk-lf-test' } })).status).toBe(403);
      }
      expect(server.received.counts.rejected).toBe(6);
    });

    it('redacts the authorization header in the request log', async () => {
      await postOtlp(server, otlpBody([span({ spanId: ROOT_ID })]), { headers: { 'x-langfuse-sdk-name': 'fusewire' } });
      const [request] = server.received.requests;
      expect(request?.headers.authorization).toBe('[redacted]');
      expect(request?.headers['x-langfuse-sdk-name']).toBe('fusewire');
      expect(request).toMatchObject({ endpoint: 'otlp', status: 200, eventCount: 1, scripted: false });
    });
  });

  it('waitFor resolves when the predicate holds and explains a timeout', async () => {
    const waiting = server.waitFor((r) => r.counts.spans === 1);
    await postOtlp(server, otlpBody([span({ spanId: ROOT_ID })]));
    await waiting;
    await expect(server.waitFor((r) => r.counts.spans === 99, 50)).rejects.toThrow(
      /timed out after 50 ms: .*r\.counts\.spans === 99.*1 requests \(1× otlp 200\)/,
    );
  });

  it('reset clears records, counters and scripts but keeps the same received object', async () => {
    const received = server.received;
    await postOtlp(server, otlpBody([span({ spanId: ROOT_ID })]));
    server.script({ status: 500 });
    server.reset();
    expect(server.pendingScripts()).toBe(0);
    expect(received.spans).toHaveLength(0);
    expect(received.counts).toMatchObject({ requests: 0, spans: 0, uniqueSpans: 0 });
    expect(server.received).toBe(received);
  });

  it('keepBodies: false keeps counters and ids only', async () => {
    const lean = await startLangfuseServer({ keepBodies: false });
    try {
      await postOtlp(lean, otlpBody([span({ spanId: ROOT_ID }), span({ spanId: ROOT_ID })]));
      expect(lean.received.spans).toHaveLength(0);
      expect(lean.received.counts).toMatchObject({ spans: 2, uniqueSpans: 1, duplicateSpans: 1 });
      expect(lean.received.requests[0]).toMatchObject({ status: 200, headers: {} });
      expect(lean.received.requests[0]).not.toHaveProperty('body');
    } finally {
      await lean.close();
    }
  });
});
