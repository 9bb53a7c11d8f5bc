import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { middleware } from './index.js';
import { failOnProcessErrors, listen, type RunningApp, requestTraces, sleep, startClient } from './test-support.js';

failOnProcessErrors();

let server: LangfuseTestServer;
let app: RunningApp;
const added: [finish: number, close: number][] = [];
const ours = new Set<unknown>();
const onResponse: string[] = [];
let traced: express.Express;
/** Called when a request reaches the /hang route. */
let reached: () => void = () => {};
beforeAll(async () => {
  server = await startLangfuseServer();
  const client = startClient(server);
  traced = express();
  traced.use((_req, res, next) => {
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
  traced.use(middleware(client));
  traced.get('/a/:id', (_req, res) => {
    // Nothing of ours is added to the response.
    onResponse.push(
      ...Object.getOwnPropertySymbols(res)
        .map(String)
        .filter((s) => s.includes('fusewire')),
    );
    res.send('ok');
  });
  // Never answers: the client gives up first.
  traced.get('/hang/:id', () => reached());
  app = await listen(traced);
});
afterAll(async () => {
  await app.close();
  await server.close();
});

it("adds no listener and nothing else to a response Node's server made (its end is heard from the server)", async () => {
  const ids = Array.from({ length: 20 }, (_, i) => i);
  await Promise.all(ids.map(async (i) => (await fetch(`${app.url}/a/${i}`)).text()));
  await server.waitFor((r) => requestTraces(r).length === ids.length, 5_000);
  expect(new Set(requestTraces(server.received).map((t) => t.name))).toEqual(new Set(['GET /a/:id']));
  expect(added).toEqual(ids.map(() => [0, 0]));
  expect(ours.size).toBe(0);
  expect(onResponse).toEqual([]);
});

it('a request handled after another one started gets one shared close listener, and both are traced once', async () => {
  server.reset();
  added.length = 0;
  // The server hands the first request to Express 50 ms late, after the second one started (and was
  // handled at once): the first is no longer the request the server started last.
  const http = createServer((req, res) => {
    if (req.url?.endsWith('/first')) setTimeout(() => traced(req, res), 50);
    else traced(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  try {
    const first = fetch(`${url}/a/first`).then((r) => r.text());
    await sleep(10);
    await Promise.all([first, fetch(`${url}/a/second`).then((r) => r.text())]);
    await server.waitFor((r) => requestTraces(r).length === 2, 5_000);
    await sleep(20); // the next setImmediate after close records the listeners
    expect(requestTraces(server.received).map((t) => t.name)).toEqual(['GET /a/:id', 'GET /a/:id']);
    expect(added).toEqual([
      [0, 0], // the second, done first
      [0, 1],
    ]);
    expect(ours.size).toBe(1);
  } finally {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
});

it('a client that aborts a request on the shared close listener: the trace ends at once, recorded as aborted', async () => {
  server.reset();
  added.length = 0;
  ours.clear();
  // The first request reaches Express only once the second one was answered: not the request the
  // server started last, its response takes the shared close listener. Then the client destroys its
  // socket before any answer.
  let first: (() => void) | undefined;
  let firstArrived: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    firstArrived = resolve;
  });
  const http = createServer((req, res) => {
    if (req.url?.includes('first')) {
      first = () => traced(req, res);
      firstArrived();
    } else traced(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  try {
    const inHandler = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const aborted = new Promise<void>((resolve) => {
      const req = httpRequest(`${url}/hang/first`);
      req.on('error', () => {});
      req.on('close', resolve);
      req.end();
      void inHandler.then(() => req.destroy());
    });
    await arrived;
    await fetch(`${url}/a/second`).then((r) => r.text());
    // From here, not from the second request's callbacks: the first must not start inside its trace.
    first!();
    await aborted;
    const abortedAt = Date.now();
    await server.waitFor((r) => requestTraces(r).length === 2, 5_000);
    await sleep(20); // the next setImmediate after close records the listeners
    expect(added).toEqual([
      [0, 0], // the second, on the server's path
      [0, 1], // the aborted one, on the shared close listener
    ]);
    expect(ours.size).toBe(1);
    const root = requestTraces(server.received).find((t) => t.name === 'GET /hang/:id')!.roots[0]!;
    expect(root.level).toBe('WARNING');
    expect(root.statusMessage).toMatch(/aborted/);
    // No answer was started: no status code.
    expect(root.metadata).toMatchObject({ aborted: true, statusCode: null, route: '/hang/:id' });
    // Ended when the socket closed (nothing else would end it: the handler never answers).
    expect(root.endTime!).toBeLessThanOrEqual(abortedAt + 250);
  } finally {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
});
