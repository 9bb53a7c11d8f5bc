import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrument } from '@fusewire/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, rid, sleep, startHarness, stopHarness, trapUnhandled, waitForTrace } from './test-support.js';
import { withTracing } from './with-tracing.js';

// Pages Router API routes with real Node IncomingMessage/ServerResponse objects. The server
// below does what Next's apiResolver does around a handler: await it, answer 500 on a throw.

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

let h: Harness;
let trap: ReturnType<typeof trapUnhandled>;
let app: Server;
let base: string;
let route: Handler = () => {};
const thrown: unknown[] = [];

beforeAll(async () => {
  h = await startHarness();
  trap = trapUnhandled();
  app = createServer(async (req, res) => {
    try {
      await route(req, res);
    } catch (error) {
      thrown.push(error);
      if (!res.headersSent) res.statusCode = 500;
      res.end('Internal Server Error');
    }
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  app.closeAllConnections();
  app.close();
  trap.dispose();
  await stopHarness(h);
});
beforeEach(() => {
  h.server.reset();
  thrown.length = 0;
});
afterEach(() => expect(trap.errors).toEqual([]));

const call = (id: string, path = '/api/hello?name=x', init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { 'x-request-id': id } });

describe('withTracing (Pages Router API routes)', () => {
  it('makes one trace per call with the status, duration and nested work', async () => {
    const id = rid();
    route = withTracing(
      async (req: IncomingMessage, res: ServerResponse) => {
        const text = await instrument('span', { name: 'compose' }, async () => {
          await sleep(10);
          return `hello ${new URL(req.url!, 'http://x').searchParams.get('name')}`;
        });
        res.statusCode = 202;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ text }));
      },
      { name: 'hello' },
    );
    const res = await call(id);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ text: 'hello x' });
    await h.client.flush();
    const trace = await waitForTrace(h.server, id, 2);
    expect(trace.name).toBe('hello');
    const root = trace.roots[0]!;
    expect(root.metadata).toMatchObject({ method: 'GET', path: '/api/hello', status: 202, requestId: id });
    expect(root.durationMs).toBeGreaterThanOrEqual(9);
    expect(root.children.map((c) => c.name)).toEqual(['compose']);
  });

  it('defaults the name to "<METHOD> <path>"', async () => {
    const id = rid();
    route = withTracing((_req: IncomingMessage, res: ServerResponse) => {
      res.end('ok');
    });
    await (await call(id, '/api/plain?secret=1', { method: 'POST' })).text();
    await h.client.flush();
    expect((await waitForTrace(h.server, id)).name).toBe('POST /api/plain');
  });

  it('ends the trace when a response written after the handler returned finishes', async () => {
    const id = rid();
    route = withTracing((_req: IncomingMessage, res: ServerResponse) => {
      res.write('a');
      setTimeout(() => res.write('b'), 10);
      setTimeout(() => res.end('c'), 40);
    });
    const res = await call(id);
    expect(await res.text()).toBe('abc');
    await h.client.flush();
    const root = (await waitForTrace(h.server, id)).roots[0]!;
    expect(root.durationMs).toBeGreaterThanOrEqual(35);
    expect(root.metadata).toMatchObject({ status: 200 });
  });

  it('records a thrown error, re-throws the same object, and lets the caller answer 500', async () => {
    const id = rid();
    const boom = new Error('pages boom');
    route = withTracing(async () => {
      await sleep(1);
      throw boom;
    });
    const res = await call(id);
    expect(res.status).toBe(500);
    expect(thrown).toEqual([boom]);
    expect(thrown[0]).toBe(boom);
    await h.client.flush();
    const root = (await waitForTrace(h.server, id)).roots[0]!;
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toBe('pages boom');
    expect(root.metadata).toMatchObject({ status: 500 });
  });

  it('records a client that goes away before the response finished', async () => {
    const id = rid();
    let closed!: () => void;
    const gone = new Promise<void>((r) => {
      closed = r;
    });
    route = withTracing((_req: IncomingMessage, res: ServerResponse) => {
      res.write('partial');
      res.once('close', closed);
    });
    const controller = new AbortController();
    const res = await call(id, '/api/slow', { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await gone;
    await h.client.flush();
    const root = (await waitForTrace(h.server, id)).roots[0]!;
    expect(root.level).toBe('WARNING');
    expect(root.metadata).toMatchObject({ aborted: true });
  });
});
