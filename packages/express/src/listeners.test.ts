import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { middleware } from './index.js';
import { failOnProcessErrors, listen, type RunningApp, requestTraces, startClient } from './test-support.js';

failOnProcessErrors();

let server: LangfuseTestServer;
let app: RunningApp;
const left: number[][] = [];
const added: string[] = [];
beforeAll(async () => {
  server = await startLangfuseServer();
  const client = startClient(server);
  const e = express();
  e.use((_req, res, next) => {
    const before = [res.listenerCount('finish'), res.listenerCount('close')];
    res.on('close', () =>
      setImmediate(() =>
        left.push([res.listenerCount('finish') - before[0]!, res.listenerCount('close') - before[1]! - 1]),
      ),
    );
    next();
  });
  e.use(middleware(client));
  e.get('/a/:id', (_req, res) => {
    // The listeners find the trace through res.req: nothing of ours is added to the response.
    added.push(
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

it('shares one listener pair and leaves none behind: every request, finished or not', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => i);
  await Promise.all(ids.map(async (i) => (await fetch(`${app.url}/a/${i}`)).text()));
  await server.waitFor((r) => requestTraces(r).length === ids.length, 5_000);
  expect(new Set(requestTraces(server.received).map((t) => t.name))).toEqual(new Set(['GET /a/:id']));
  expect(left).toEqual(ids.map(() => [0, 0]));
  expect(added).toEqual([]);
});
