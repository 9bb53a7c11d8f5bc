import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isServerless, platformWaitUntil } from './flush-plan.js';
import { loadNextAfter } from './next-after.js';
import {
  type Harness,
  rid,
  sleep,
  startHarness,
  stopHarness,
  traceByRequestId,
  trapUnhandled,
} from './test-support.js';
import { withTracing } from './with-tracing.js';

// The flush order, one strategy at a time: after() → platform waitUntil → bounded awaited flush on
// serverless → interval. `next/server` is mocked so the test decides whether after() works.
const next = vi.hoisted(() => ({ after: undefined as undefined | ((task: () => unknown) => void) }));
vi.mock('next/server.js', () => ({
  after: (task: () => unknown) => {
    if (next.after === undefined) throw new Error('`after` was called outside a request scope.');
    next.after(task);
  },
}));

const VERCEL = Symbol.for('@vercel/request-context');
const global = globalThis as Record<symbol, unknown>;

let h: Harness;
let trap: ReturnType<typeof trapUnhandled>;
let app: Server;
let base: string;
let route: (req: IncomingMessage, res: ServerResponse) => unknown = () => {};

beforeAll(async () => {
  h = await startHarness();
  trap = trapUnhandled();
  await loadNextAfter();
  app = createServer(async (req, res) => {
    try {
      await route(req, res);
    } catch {
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
  next.after = undefined;
  delete global[VERCEL];
  for (const name of ['VERCEL', 'AWS_LAMBDA_FUNCTION_NAME', 'K_SERVICE', 'NETLIFY']) vi.stubEnv(name, '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  delete global[VERCEL];
  // Let the pipeline settle so one test's events cannot land in the next one's assertions.
  await h.client.flush(2_000);
  expect(trap.errors).toEqual([]);
});

const get = (id: string) => new Request('http://localhost/api/x', { headers: { 'x-request-id': id } });
const arrived = (id: string) => traceByRequestId(h.server, id) !== undefined;
const streaming = () =>
  new Response(
    new ReadableStream<Uint8Array>({
      async pull(c) {
        await sleep(5);
        c.enqueue(new Uint8Array([65]));
        c.close();
      },
    }),
  );

describe('flush order', () => {
  it('1. after(): the task flushes once the trace has ended, the stream included', async () => {
    const tasks: Array<() => unknown> = [];
    next.after = (task) => tasks.push(task);
    const waitUntil = vi.fn();
    global[VERCEL] = { get: () => ({ waitUntil }) };
    const id = rid();
    const res = (await withTracing(async (_req: Request) => streaming())(get(id)))!;
    expect(tasks).toHaveLength(1);
    expect(waitUntil).not.toHaveBeenCalled(); // after() wins
    const task = Promise.resolve(tasks[0]!());
    await sleep(20);
    expect(arrived(id)).toBe(false); // the body has not been sent yet
    expect(await res.text()).toBe('A');
    await task;
    expect(arrived(id)).toBe(true);
  });

  it('2. waitUntil when after() throws (outside a request scope)', async () => {
    const promises: Promise<unknown>[] = [];
    global[VERCEL] = { get: () => ({ waitUntil: (p: Promise<unknown>) => promises.push(p) }) };
    const id = rid();
    const res = (await withTracing(async (_req: Request) => Response.json({ ok: true }))(get(id)))!;
    expect(promises).toHaveLength(1);
    await res.text();
    await promises[0];
    expect(arrived(id)).toBe(true);
  });

  it('2. waitUntil for Pages Router routes, which never try after()', async () => {
    const tasks: Array<() => unknown> = [];
    next.after = (task) => tasks.push(task);
    const promises: Promise<unknown>[] = [];
    global[VERCEL] = { get: () => ({ waitUntil: (p: Promise<unknown>) => promises.push(p) }) };
    const id = rid();
    route = withTracing((_req: IncomingMessage, res: ServerResponse) => {
      res.end('ok');
    });
    await (await fetch(base, { headers: { 'x-request-id': id } })).text();
    expect(tasks).toHaveLength(0);
    expect(promises).toHaveLength(1);
    await promises[0];
    expect(arrived(id)).toBe(true);
  });

  it('3. serverless: the trace is delivered before the response body completes', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'fn');
    const id = rid();
    const res = (await withTracing(async (_req: Request) => Response.json({ ok: true }))(get(id)))!;
    expect(await res.json()).toEqual({ ok: true });
    expect(arrived(id)).toBe(true);
  });

  it('3. serverless: a body-less response waits for the flush before it is returned', async () => {
    vi.stubEnv('VERCEL', '1');
    const id = rid();
    const res = (await withTracing(async (_req: Request) => new Response(null, { status: 204 }))(get(id)))!;
    expect(res.status).toBe(204);
    expect(arrived(id)).toBe(true);
  });

  it('3. serverless: a thrown error is re-thrown after the flush, unchanged', async () => {
    vi.stubEnv('K_SERVICE', 'svc');
    const id = rid();
    const boom = new Error('late');
    await expect(
      withTracing(async (_req: Request) => {
        throw boom;
      })(get(id)),
    ).rejects.toBe(boom);
    expect(arrived(id)).toBe(true);
  });

  it('3. serverless Pages Router: res.end() is held until the trace is delivered', async () => {
    vi.stubEnv('NETLIFY', 'true');
    const id = rid();
    route = withTracing((_req: IncomingMessage, res: ServerResponse) => {
      const returned = res.end('ok');
      expect(returned).toBe(res);
    });
    const res = await fetch(base, { headers: { 'x-request-id': id } });
    expect(arrived(id)).toBe(true);
    expect(await res.text()).toBe('ok');
  });

  it('3. serverless Pages Router: a throw flushes, then the caller still answers 500', async () => {
    vi.stubEnv('VERCEL', '1');
    const id = rid();
    route = withTracing(async () => {
      throw new Error('pages late');
    });
    const res = await fetch(base, { headers: { 'x-request-id': id } });
    expect(res.status).toBe(500);
    expect(arrived(id)).toBe(true);
  });

  it('3. serverless: a hung Langfuse delays a response by at most flushTimeoutMs', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'fn');
    h.server.script([{ endpoint: 'otlp', hang: true, times: Number.POSITIVE_INFINITY }]);
    const started = performance.now();
    const res = (await withTracing(async (_req: Request) => new Response(null, { status: 204 }), {
      flushTimeoutMs: 300,
    })(get(rid())))!;
    expect(res.status).toBe(204);
    const boom = new Error('x');
    await expect(
      withTracing(
        async (_req: Request) => {
          throw boom;
        },
        { flushTimeoutMs: 300 },
      )(get(rid())),
    ).rejects.toBe(boom);
    const body = (await withTracing(async (_req: Request) => new Response('abc'), { flushTimeoutMs: 300 })(
      get(rid()),
    ))!;
    expect(await body.text()).toBe('abc');
    route = withTracing((_req: IncomingMessage, r: ServerResponse) => void r.end('ok'), { flushTimeoutMs: 300 });
    expect(await (await fetch(base)).text()).toBe('ok');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(4 * 300 + 600);
    h.server.reset();
  });

  it('4. a long-lived server leaves it to the interval: nothing is awaited', async () => {
    const id = rid();
    const flush = vi.spyOn(h.client, 'flush');
    const res = (await withTracing(async (_req: Request) => Response.json({}))(get(id)))!;
    await res.text();
    expect(flush).not.toHaveBeenCalled();
    flush.mockRestore();
  });

  it('detects serverless platforms and the Vercel request context', () => {
    expect(isServerless()).toBe(false);
    vi.stubEnv('VERCEL', '1');
    expect(isServerless()).toBe(true);
    expect(platformWaitUntil()).toBeUndefined();
    global[VERCEL] = {
      get() {
        throw new Error('broken');
      },
    };
    expect(platformWaitUntil()).toBeUndefined();
    const ctx = {
      waitUntil: vi.fn(function (this: unknown) {
        return this;
      }),
    };
    global[VERCEL] = { get: () => ctx };
    platformWaitUntil()!(Promise.resolve());
    expect(ctx.waitUntil.mock.results[0]!.value).toBe(ctx);
  });
});
