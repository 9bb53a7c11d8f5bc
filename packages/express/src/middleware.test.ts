import dc from 'node:diagnostics_channel';
import { request as httpRequest } from 'node:http';
import { type Fusewire, instrument } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, middleware, trace } from './index.js';
import {
  type ExpressFactory,
  failOnProcessErrors,
  listen,
  loadExpress,
  type RunningApp,
  requestTraces,
  sleep,
  startClient,
} from './test-support.js';

failOnProcessErrors();

const spans = dc.channel('langfuse.span');

/** A service a handler calls: it knows nothing about Express or the request. */
async function loadUser(id: string): Promise<{ id: string }> {
  await sleep(5);
  return instrument('span', { name: 'load-user', input: { id } }, async (obs) => {
    await sleep(5);
    spans.publish({ name: 'db-query', input: `select * from users where id = ${id}` });
    obs.output = { id };
    return { id };
  });
}

function buildApp(express: ExpressFactory, major: 4 | 5) {
  const app = express();
  app.use(middleware());
  app.get('/users/:id', async (req, res, next) => {
    try {
      trace(req).update({ userId: `user-${req.params.id}`, tags: ['users'] });
      await sleep(20);
      const user = await loadUser(req.params.id!);
      trace(req).update({ output: user });
      res.json(user);
    } catch (error) {
      next(error);
    }
  });
  const api = express.Router();
  api.get('/orders/:orderId', () => {
    throw new Error('sync boom');
  });
  app.use('/api', api);
  // A sub-app with its own router: its requests have the sub-app's request prototype.
  const shop = express.Router();
  shop.get('/items/:itemId', () => {
    throw new Error('sub-app boom');
  });
  const sub = express();
  sub.use('/shop', shop);
  app.use('/v2', sub);
  app.get('/async-error', async (_req, _res, next) => {
    await sleep(5);
    const error = new Error('async boom');
    if (major === 4) return next(error); // Express 4 does not forward rejections by itself
    throw error;
  });
  app.get('/unavailable', (_req, res) => {
    res.status(503).send('down');
  });
  app.get('/stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial ');
    setTimeout(() => res.end('rest'), 300);
  });
  app.use(errorHandler());
  return app;
}

describe.each([5, 4] as const)('Express %i', (major) => {
  let server: LangfuseTestServer;
  let client: Fusewire;
  let app: RunningApp;

  beforeAll(async () => {
    server = await startLangfuseServer();
    client = startClient(server);
    app = await listen(buildApp(await loadExpress(major), major));
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await app.close();
    await client.shutdown(1000);
    await server.close();
  });

  it('sends one trace per request, named after the route pattern, timed to finish', async () => {
    const res = await fetch(`${app.url}/users/42?verbose=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: '42' });
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1 && requestTraces(r)[0]!.observations.length === 3);

    const [t] = requestTraces(server.received);
    expect(t!.name).toBe('GET /users/:id');
    expect(t!.userId).toBe('user-42');
    expect(t!.tags).toEqual(['users']);
    expect(t!.output).toEqual({ id: '42' });
    expect(t!.roots).toHaveLength(1);
    const root = t!.roots[0]!;
    expect(root.name).toBe('GET /users/:id');
    expect(root.metadata).toMatchObject({ method: 'GET', route: '/users/:id', statusCode: 200 });
    expect(root.level ?? 'DEFAULT').toBe('DEFAULT');
    expect(root.durationMs).toBeGreaterThanOrEqual(25);
    expect(JSON.stringify(t)).not.toContain('/users/42');
  });

  it('nests what handlers and the services they call publish, across awaits', async () => {
    await fetch(`${app.url}/users/7`);
    await client.flush();
    await server.waitFor((r) => requestTraces(r)[0]?.observations.length === 3);
    const [t] = requestTraces(server.received);
    const root = t!.roots[0]!;
    expect(root.children.map((c) => c.name)).toEqual(['load-user']);
    const loadUserNode = root.children[0]!;
    expect(loadUserNode.output).toEqual({ id: '7' });
    expect(loadUserNode.children.map((c) => c.name)).toEqual(['db-query']);
  });

  it('records a thrown sync error as ERROR with its message, naming the nested route in full', async () => {
    const res = await fetch(`${app.url}/api/orders/99`);
    expect(res.status).toBe(500);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1);
    const root = requestTraces(server.received)[0]!.roots[0]!;
    expect(root.name).toBe('GET /api/orders/:orderId');
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toContain('sync boom');
    expect(root.metadata).toMatchObject({ statusCode: 500 });
  });

  it('names a route matched in a sub-app’s nested router in full, after the error left both', async () => {
    expect((await fetch(`${app.url}/v2/shop/items/7`)).status).toBe(500);
    expect((await fetch(`${app.url}/api/orders/8`)).status).toBe(500);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 2);
    const names = requestTraces(server.received).map((t) => t.roots[0]!.name);
    expect(names.sort()).toEqual(['GET /api/orders/:orderId', 'GET /v2/shop/items/:itemId']);
  });

  it('records an async error as ERROR with its message', async () => {
    const res = await fetch(`${app.url}/async-error`);
    expect(res.status).toBe(500);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1);
    const root = requestTraces(server.received)[0]!.roots[0]!;
    expect(root.name).toBe('GET /async-error');
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toContain('async boom');
  });

  it('marks a 5xx response as ERROR even without an error', async () => {
    expect((await fetch(`${app.url}/unavailable`)).status).toBe(503);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1);
    const root = requestTraces(server.received)[0]!.roots[0]!;
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toBe('HTTP 503 Service Unavailable');
  });

  it('names unmatched requests without the raw URL', async () => {
    expect((await fetch(`${app.url}/nope/123`)).status).toBe(404);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1);
    const t = requestTraces(server.received)[0]!;
    expect(t.name).toBe('GET (unmatched)');
    expect(t.roots[0]!.metadata).toMatchObject({ statusCode: 404, route: null });
  });

  it('ends an aborted request at close and records it as aborted', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${app.url}/stream`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.on('close', resolve);
      setTimeout(() => reject(new Error('no data')), 2000).unref();
      req.end();
    });
    await server.waitFor((r) => requestTraces(r).length === 1);
    const root = requestTraces(server.received)[0]!.roots[0]!;
    expect(root.name).toBe('GET /stream');
    expect(root.level).toBe('WARNING');
    expect(root.statusMessage).toMatch(/aborted/);
    expect(root.metadata).toMatchObject({ aborted: true, statusCode: 200 });
    expect(root.durationMs).toBeLessThan(250);
  });

  it('sends every one of 1,000 concurrent requests exactly once, none crossed', async () => {
    const n = 1000;
    const statuses = await Promise.all(
      Array.from({ length: n }, async (_, i) => (await fetch(`${app.url}/users/${i}`)).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    await client.flush();
    await server.waitFor((r) => r.counts.uniqueSpans >= n * 3, 10_000);
    expect(server.received.duplicates()).toEqual({ spans: 0, events: 0 });
    const traces = requestTraces(server.received);
    expect(traces).toHaveLength(n);
    const seen = new Set<string>();
    for (const t of traces) {
      expect(t.roots).toHaveLength(1);
      expect(t.observations).toHaveLength(3);
      const id = (t.output as { id: string }).id;
      expect(t.userId).toBe(`user-${id}`);
      const loadUserNode = t.roots[0]!.children[0]!;
      expect(loadUserNode.input).toEqual({ id });
      expect(loadUserNode.children[0]!.input).toBe(`select * from users where id = ${id}`);
      seen.add(id);
    }
    expect(seen.size).toBe(n);
  }, 15_000);
});
