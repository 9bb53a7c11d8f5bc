import { startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { errorHandler, type FlushMode, middleware } from './index.js';
import { failOnProcessErrors, listen, startClient } from './test-support.js';

failOnProcessErrors();

describe.each(['interval', 'request'] as FlushMode[])('Langfuse down, flush: %s', (flush) => {
  it('serves every request with unchanged status codes and shuts down cleanly', async () => {
    const server = await startLangfuseServer();
    const client = startClient(server, { timeoutMs: 200, maxRetryElapsedMs: 300 });
    await server.stop(); // connection refused from here on
    const app = express();
    app.use(middleware(client, { flush }));
    app.get('/ok', (_req, res) => res.send('ok'));
    app.post('/created', (_req, res) => res.status(201).json({ ok: true }));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/teapot', (_req, res) => res.sendStatus(418));
    app.use(errorHandler());
    const running = await listen(app);
    try {
      const expected: Array<[string, string, number]> = [
        ['GET', '/ok', 200],
        ['POST', '/created', 201],
        ['GET', '/boom', 500],
        ['GET', '/teapot', 418],
        ['GET', '/missing', 404],
      ];
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const [method, path, status] = expected[i % expected.length]!;
          const res = await fetch(running.url + path, { method });
          await res.arrayBuffer();
          return res.status === status;
        }),
      );
      expect(results.every(Boolean)).toBe(true);
    } finally {
      await running.close();
    }
    const started = Date.now();
    const stats = await client.shutdown(500);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(stats.delivered).toBe(0);
    expect(stats.enqueued).toBeGreaterThanOrEqual(200);
    await server.close();
  });
});
