import type { Fusewire } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { middleware } from './index.js';
import { failOnProcessErrors, listen, type RunningApp, requestTraces, sleep, startClient } from './test-support.js';

failOnProcessErrors();

describe("flush: 'request'", () => {
  let server: LangfuseTestServer;
  let client: Fusewire;
  let app: RunningApp;
  let flushCalls = 0;

  beforeAll(async () => {
    server = await startLangfuseServer();
    // No interval flushes during the test: whatever arrives was sent by the request flushes.
    client = startClient(server, { flushIntervalMs: 600_000 });
    const counting: Fusewire = {
      enabled: true,
      flush: (ms) => {
        flushCalls++;
        return client.flush(ms);
      },
      shutdown: (ms) => client.shutdown(ms),
      stats: () => client.stats(),
      deadLetters: () => client.deadLetters(),
      health: (options) => client.health(options),
    };
    const a = express();
    a.use(middleware(counting, { flush: 'request' }));
    a.get('/items/:id', async (req, res) => {
      await sleep(10);
      res.json({ id: req.params.id });
    });
    app = await listen(a);
  });
  afterAll(async () => {
    await app.close();
    await client.shutdown(1000);
    await server.close();
  });

  it('sends the request trace right after the response, without delaying it', async () => {
    server.script([{ endpoint: 'otlp', delayMs: 1000 }]); // a slow Langfuse
    const started = performance.now();
    const res = await fetch(`${app.url}/items/1`);
    await res.json();
    expect(performance.now() - started).toBeLessThan(500); // well under the export's 1 s
    expect(requestTraces(server.received)).toHaveLength(0);
    await server.waitFor((r) => requestTraces(r).length === 1, 4000);
    expect(requestTraces(server.received)[0]!.name).toBe('GET /items/:id');
  });

  it('coalesces the flushes of concurrent requests', async () => {
    server.reset();
    server.script([{ endpoint: 'otlp', delayMs: 200, times: Number.POSITIVE_INFINITY }]);
    flushCalls = 0;
    const n = 100;
    const statuses = await Promise.all(
      Array.from({ length: n }, async (_, i) => (await fetch(`${app.url}/items/${i}`)).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    await server.waitFor((r) => requestTraces(r).length === n, 5000);
    expect(flushCalls).toBeLessThanOrEqual(4);
    const exports = server.received.requests.filter((r) => r.endpoint === 'otlp');
    expect(exports.length).toBeLessThanOrEqual(6);
    expect(server.received.duplicates()).toEqual({ spans: 0, events: 0 });
  });
});
