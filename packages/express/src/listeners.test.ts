import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { middleware } from './index.js';
import { failOnProcessErrors, listen, type RunningApp, requestTraces, startClient } from './test-support.js';

failOnProcessErrors();

let server: LangfuseTestServer;
let app: RunningApp;
const added: [finish: number, close: number][] = [];
const ours = new Set<unknown>();
const onResponse: string[] = [];
beforeAll(async () => {
  server = await startLangfuseServer();
  const client = startClient(server);
  const e = express();
  e.use((_req, res, next) => {
    res.on('close', () =>
      setImmediate(() => {
        const close = res.listeners('close').filter((f) => !before.close.includes(f));
        for (const f of close) ours.add(f);
        added.push([res.listenerCount('finish') - before.finish.length, close.length]);
      }),
    );
    const before = { finish: res.listeners('finish'), close: res.listeners('close') };
    next();
  });
  e.use(middleware(client));
  e.get('/a/:id', (_req, res) => {
    // The listener finds the trace through res.req: nothing of ours is added to the response.
    onResponse.push(
      ...Object.getOwnPropertySymbols(res)
        .map(String)
        .filter((s) => s.includes('fusewire')),
    );
    res.send('ok');
  });
  app = await listen(e);
});
afterAll(async () => {
  await app.close();
  await server.close();
});

it('adds one close listener per request, the same function for all, and nothing else to the response', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => i);
  await Promise.all(ids.map(async (i) => (await fetch(`${app.url}/a/${i}`)).text()));
  await server.waitFor((r) => requestTraces(r).length === ids.length, 5_000);
  expect(new Set(requestTraces(server.received).map((t) => t.name))).toEqual(new Set(['GET /a/:id']));
  // No finish listener; the close listener stays (the response emits close once and is done).
  expect(added).toEqual(ids.map(() => [0, 1]));
  expect(ours.size).toBe(1); // one function shared by every request
  expect(onResponse).toEqual([]);
});
