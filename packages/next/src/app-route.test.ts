import { channel } from 'node:diagnostics_channel';
import { instrument, startObservation } from '@fusewire/core';
import { notFound, redirect } from 'next/navigation.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadNextAfter } from './next-after.js';
import {
  descendants,
  type Harness,
  rid,
  sleep,
  startHarness,
  stopHarness,
  trapUnhandled,
  waitForTrace,
} from './test-support.js';
import { withTracing } from './with-tracing.js';

// App Router route handlers with real Request/Response objects, against a real client and the
// local test server. `after()` throws outside Next's request scope, no waitUntil, no serverless
// env: these run under the `interval` strategy and the test flushes.

let h: Harness;
let trap: ReturnType<typeof trapUnhandled>;
beforeAll(async () => {
  h = await startHarness();
  trap = trapUnhandled();
  await loadNextAfter();
});
afterAll(async () => {
  trap.dispose();
  await stopHarness(h);
});
beforeEach(() => h.server.reset());
afterEach(() => expect(trap.errors).toEqual([]));

const post = (id: string, body: unknown = {}) =>
  new Request('http://localhost/api/chat?token=secret', {
    method: 'POST',
    headers: { 'x-request-id': id, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const get = (id: string, path = '/api/thing') =>
  new Request(`http://localhost${path}`, { headers: { 'x-request-id': id } });

describe('withTracing (App Router)', () => {
  it('makes one trace per call, named after the route, with status and duration', async () => {
    const id = rid();
    const handler = withTracing(
      async (req: Request) => {
        await sleep(15);
        return Response.json({ echo: await req.json() }, { status: 201, headers: { 'x-custom': 'yes' } });
      },
      { name: 'chat' },
    );
    const res = (await handler(post(id, { q: 1 }))) as Response;
    expect(res.status).toBe(201);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(await res.json()).toEqual({ echo: { q: 1 } });
    await h.client.flush();
    const trace = await waitForTrace(h.server, id);
    expect(trace.name).toBe('chat');
    const root = trace.roots[0]!;
    expect(trace.roots).toHaveLength(1);
    expect(root.name).toBe('chat');
    expect(root.type).toBe('span');
    expect(root.output).toEqual({ status: 201 });
    expect(root.metadata).toMatchObject({ method: 'POST', path: '/api/chat', status: 201, requestId: id });
    expect(root.metadata?.durationMs).toBeGreaterThanOrEqual(14);
    expect(root.durationMs).toBeGreaterThanOrEqual(14);
    expect(root.level).not.toBe('ERROR');
  });

  it('defaults the name to "<METHOD> <path>" without the query string', async () => {
    const id = rid();
    const handler = withTracing(async (_req: Request) => new Response('ok'));
    await (await handler(post(id)))!.text();
    await h.client.flush();
    const trace = await waitForTrace(h.server, id);
    expect(trace.name).toBe('POST /api/chat');
    expect(JSON.stringify(trace)).not.toContain('secret');
  });

  it('nests what is instrumented or published inside the handler under the route trace', async () => {
    const id = rid();
    const handler = withTracing(async (_req: Request) => {
      channel('langfuse.event').publish({ name: 'received' });
      await instrument('retriever', { name: 'retrieve' }, async () => {
        await sleep(2);
        await instrument('span', { name: 'inner' }, () => 1);
      });
      setTimeout(() => channel('langfuse.event').publish({ name: 'later' }), 1);
      await sleep(10);
      return Response.json({});
    });
    await (await handler(get(id)))!.text();
    await h.client.flush();
    const trace = await waitForTrace(h.server, id, 5);
    const root = trace.roots[0]!;
    expect(trace.roots).toHaveLength(1);
    expect(
      descendants(root)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['inner', 'later', 'received', 'retrieve']);
    const retrieve = root.children.find((c) => c.name === 'retrieve')!;
    expect(retrieve.type).toBe('retriever');
    expect(retrieve.children.map((c) => c.name)).toEqual(['inner']);
  });

  it('keeps separate traces for concurrent calls', async () => {
    const handler = withTracing(async (req: Request) => {
      await sleep(Math.random() * 10);
      await instrument('span', { name: 'work', input: req.headers.get('x-request-id') }, () => sleep(2));
      return new Response('ok');
    });
    const ids = Array.from({ length: 20 }, () => rid('concurrent'));
    await Promise.all(ids.map(async (id) => (await handler(get(id)))!.text()));
    await h.client.flush();
    for (const id of ids) {
      const trace = await waitForTrace(h.server, id, 2);
      expect(trace.roots).toHaveLength(1);
      expect(trace.roots[0]!.children.map((c) => c.input)).toEqual([id]);
    }
  });

  it('streams the body through untouched and ends the trace when the stream ends', async () => {
    const id = rid();
    let lastChunkAt = 0;
    const handler = withTracing(
      async (_req: Request) => {
        const generation = startObservation('generation', { name: 'answer', model: 'fake' });
        let i = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await sleep(10);
            if (i === 5) {
              generation.end({ output: 'hello world', usageDetails: { output: 5 } });
              lastChunkAt = Date.now();
              controller.close();
              return;
            }
            if (i === 0) generation.markFirstChunk();
            controller.enqueue(new TextEncoder().encode(`tok${i++} `));
          },
        });
        return new Response(body, { status: 200, statusText: 'Streaming', headers: { 'content-type': 'text/plain' } });
      },
      { name: 'stream' },
    );
    const res = (await handler(get(id)))!;
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('Streaming');
    expect(res.headers.get('content-type')).toBe('text/plain');
    // Nothing has ended yet: the trace waits for the body.
    await h.client.flush();
    expect(h.server.received.traces().some((t) => t.roots.some((r) => r.metadata?.requestId === id))).toBe(false);
    expect(await res.text()).toBe('tok0 tok1 tok2 tok3 tok4 ');
    await h.client.flush();
    const trace = await waitForTrace(h.server, id, 2);
    const root = trace.roots[0]!;
    expect(root.endTime!).toBeGreaterThanOrEqual(lastChunkAt - 1);
    expect(root.durationMs).toBeGreaterThanOrEqual(50);
    expect(root.children.map((c) => [c.name, c.type])).toEqual([['answer', 'generation']]);
    expect(root.metadata).toMatchObject({ status: 200 });
  });

  it('ends the trace when the client cancels the stream, and cancels the source', async () => {
    const id = rid();
    const cancelled = vi.fn();
    const handler = withTracing(async (_req: Request) => {
      const body = new ReadableStream<Uint8Array>({
        pull: (c) => c.enqueue(new Uint8Array([1])),
        cancel: cancelled,
      });
      return new Response(body);
    });
    const res = (await handler(get(id)))!;
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel(new Error('client went away'));
    expect(cancelled).toHaveBeenCalledOnce();
    await h.client.flush();
    const root = (await waitForTrace(h.server, id)).roots[0]!;
    expect(root.level).toBe('WARNING');
    expect(root.metadata).toMatchObject({ cancelled: true, status: 200 });
  });

  it('records a stream that fails mid-way as an error and passes the error on', async () => {
    const id = rid();
    const boom = new Error('upstream died');
    const handler = withTracing(async (_req: Request) => {
      let n = 0;
      return new Response(
        new ReadableStream({
          pull: (c) => (n++ === 0 ? c.enqueue(new Uint8Array([65])) : c.error(boom)),
        }),
      );
    });
    const res = (await handler(get(id)))!;
    await expect(res.text()).rejects.toBe(boom);
    await h.client.flush();
    const root = (await waitForTrace(h.server, id)).roots[0]!;
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toBe('upstream died');
  });

  it('records a thrown error and re-throws the very same object', async () => {
    const id = rid();
    const boom = new TypeError('kaput');
    const handler = withTracing(async (_req: Request) => {
      await instrument('span', { name: 'before-failure' }, () => sleep(1));
      throw boom;
    });
    await expect(handler(get(id))).rejects.toBe(boom);
    await h.client.flush();
    const trace = await waitForTrace(h.server, id, 2);
    const root = trace.roots[0]!;
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toBe('kaput');
    expect(root.metadata).toMatchObject({ status: 500 });
    expect(root.children.map((c) => c.name)).toEqual(['before-failure']);
  });

  it('keeps a sync handler sync: the same value, the same synchronous throw', async () => {
    const response = new Response(null, { status: 204 });
    const ok = withTracing((_req: Request) => response);
    expect(ok(get(rid()))).toBe(response); // a body-less response is returned as is
    const boom = new Error('sync');
    const bad = withTracing((_req: Request) => {
      throw boom;
    });
    expect(() => bad(get(rid()))).toThrow(boom);
  });

  it('treats notFound() and redirect() as control flow: re-thrown unchanged, not errors', async () => {
    const nf = rid();
    const rd = rid();
    let thrown: unknown;
    const missing = withTracing(async (_req: Request) => {
      try {
        notFound();
      } catch (error) {
        thrown = error;
        throw error;
      }
    });
    await expect(missing(get(nf))).rejects.toBe(thrown);
    const moved = withTracing(async (_req: Request) => redirect('/elsewhere'));
    await expect(moved(get(rd))).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT/) });
    await h.client.flush();
    const notFoundRoot = (await waitForTrace(h.server, nf)).roots[0]!;
    expect(notFoundRoot.level).not.toBe('ERROR');
    expect(notFoundRoot.metadata).toMatchObject({ status: 404, nextControlFlow: 'http-fallback' });
    const redirectRoot = (await waitForTrace(h.server, rd)).roots[0]!;
    expect(redirectRoot.level).not.toBe('ERROR');
    expect(redirectRoot.metadata).toMatchObject({ status: 307, nextControlFlow: 'redirect' });
  });

  it('records 5xx responses as errors and redirects/null bodies with their status', async () => {
    const a = rid();
    const b = rid();
    await withTracing(async (_req: Request) => new Response('down', { status: 503 }))(get(a)).then((r) => r.text());
    const redirected = await withTracing(async (_req: Request) => Response.redirect('http://localhost/x', 302))(get(b));
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toBe('http://localhost/x');
    await h.client.flush();
    const down = (await waitForTrace(h.server, a)).roots[0]!;
    expect(down.level).toBe('ERROR');
    expect(down.statusMessage).toBe('HTTP 503');
    expect((await waitForTrace(h.server, b)).roots[0]!.metadata).toMatchObject({ status: 302 });
  });

  it('ends a HEAD request at once: its body is never sent', async () => {
    const id = rid();
    const response = new Response('never read');
    const head = new Request('http://localhost/api/thing', { method: 'HEAD', headers: { 'x-request-id': id } });
    expect(await withTracing(async (_req: Request) => response)(head)).toBe(response);
    await h.client.flush();
    expect((await waitForTrace(h.server, id)).roots[0]!.metadata).toMatchObject({ method: 'HEAD', status: 200 });
  });

  it('passes non-Response results and the handler context through', async () => {
    const id = rid();
    const ctx = { params: Promise.resolve({ slug: 'a' }) };
    const handler = withTracing(async (_req: Request, c: typeof ctx) => ({ params: await c.params }));
    expect(await handler(get(id), ctx)).toEqual({ params: { slug: 'a' } });
  });

  it('returns a Proxy that keeps the handler name, length and own properties', () => {
    async function GET(_req: Request, _ctx: unknown) {
      return new Response('x');
    }
    (GET as any).custom = 42;
    const wrapped = withTracing(GET);
    expect(wrapped.name).toBe('GET');
    expect(wrapped.length).toBe(2);
    expect((wrapped as any).custom).toBe(42);
  });

  it('throws at wrap time, not at request time, for unusable arguments', () => {
    expect(() => withTracing(42 as any)).toThrow(/route handler function/);
    expect(() => withTracing(() => {}, { flushTimeoutMs: -1 })).toThrow(/flushTimeoutMs/);
    expect(() => withTracing(() => {}, { name: '' })).toThrow(/name/);
  });

  it('calls non-request invocations straight through', () => {
    const fn = vi.fn((x: number) => x * 2);
    expect(withTracing(fn)(21)).toBe(42);
    expect(fn).toHaveBeenCalledOnce();
  });
});
