import { randomUUID } from 'node:crypto';
import { type LangfuseTestServer, startLangfuseServer, type TraceNode, type TraceView } from '@fusewire/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledCopies, ensureBuild, type RunningApp, startApp, WEBPACK } from './next-app.js';

// examples/next-app, built once with `next build` and served with `next start`, against the local
// test Langfuse server. Every traced request carries an x-request-id that the wrapper records in
// the root span's metadata, so each request is matched to exactly one trace.

let server: LangfuseTestServer;
let app: RunningApp | undefined;
const timings: Record<string, number> = {};

beforeAll(async () => {
  const t0 = Date.now();
  const build = await ensureBuild();
  timings.build = Date.now() - t0;
  const bundler = WEBPACK ? 'webpack' : 'Turbopack';
  console.log(
    build.built
      ? `[e2e] next build with ${bundler} (${build.reason}): ${build.ms} ms`
      : `[e2e] reusing the fresh ${bundler} build`,
  );
  server = await startLangfuseServer();
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
  console.log(`[e2e] timings (ms): ${JSON.stringify(timings)}`);
});

const keys = () => ({
  LANGFUSE_BASE_URL: server.url,
  LANGFUSE_PUBLIC_KEY: server.publicKey,
  LANGFUSE_SECRET_KEY: server.secretKey,
});

let starts = 0;
async function restart(env: Record<string, string>): Promise<RunningApp> {
  await app?.stop();
  const t0 = Date.now();
  app = await startApp({ ...keys(), ...env });
  timings[`nextStart${++starts}`] = Date.now() - t0;
  server.reset();
  return app;
}

interface Sent {
  id: string;
  kind: 'chat' | 'boom' | 'hello' | 'moved';
  status: number;
  body: string;
  /** Whether the trace was already at the server when the response had been read. */
  arrivedWithResponse: boolean;
  question?: string;
  name?: string;
}

const rootOf = (t: TraceView) => t.roots[0]!;
const traceOf = (id: string) => server.received.traces().find((t) => t.roots.some((r) => r.metadata?.requestId === id));

async function send(base: string, kind: Sent['kind']): Promise<Sent> {
  const id = randomUUID();
  const headers = { 'x-request-id': id };
  let res: Response;
  let extra: Partial<Sent> = {};
  if (kind === 'chat') {
    const question = `question ${id.slice(0, 8)}`;
    extra = { question };
    res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
  } else if (kind === 'hello') {
    const name = `n${id.slice(0, 6)}`;
    extra = { name };
    res = await fetch(`${base}/api/hello?name=${name}`, { headers });
  } else if (kind === 'moved') {
    res = await fetch(`${base}/api/moved`, { headers, redirect: 'manual' });
  } else {
    res = await fetch(`${base}/api/boom`, { headers });
  }
  const body = await res.text();
  return { id, kind, status: res.status, body, arrivedWithResponse: traceOf(id) !== undefined, ...extra };
}

function descendants(node: TraceNode): TraceNode[] {
  return node.children.flatMap((c) => [c, ...descendants(c)]);
}

/** A trace is complete when its one root has ended and every observation hangs below it. */
function complete(t: TraceView | undefined, expected: number): boolean {
  if (t === undefined || t.roots.length !== 1) return false;
  const root = rootOf(t);
  return root.endTime !== undefined && t.observations.length === expected && descendants(root).length === expected - 1;
}

const EXPECTED_OBSERVATIONS: Record<Sent['kind'], number> = { chat: 4, boom: 2, hello: 2, moved: 1 };

async function waitForAll(sent: Sent[], timeoutMs: number): Promise<void> {
  await server.waitFor(() => sent.every((s) => complete(traceOf(s.id), EXPECTED_OBSERVATIONS[s.kind])), timeoutMs);
}

function checkTrace(s: Sent): void {
  const t = traceOf(s.id)!;
  const root = rootOf(t);
  expect(t.roots).toHaveLength(1);
  expect(root.type).toBe('span');
  expect(root.name).toBe(s.kind);
  expect(t.name).toBe(s.kind);
  expect(root.metadata).toMatchObject({ requestId: s.id, status: s.status });
  expect(root.durationMs).toBeGreaterThanOrEqual(0);
  const byName = Object.fromEntries(descendants(root).map((n) => [n.name, n]));
  if (s.kind === 'chat') {
    expect(s.status).toBe(200);
    expect(s.body).toContain(`You asked "${s.question}"`);
    expect(root.metadata).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(root.children.map((c) => c.name).sort()).toEqual(['answer', 'chat-request', 'retrieve']);
    expect(byName['chat-request']!.type).toBe('event');
    expect(byName.retrieve!.type).toBe('retriever');
    expect(byName.retrieve!.output).toEqual(['doc-1', 'doc-7']);
    const gen = byName.answer!;
    expect(gen.type).toBe('generation');
    expect(gen.model).toBe('fake-llm');
    expect(gen.output).toBe(s.body); // the whole streamed text, recorded when the stream ended
    expect(gen.usage).toMatchObject({ output: s.body.trim().split(' ').length });
    // The route's trace ends once the stream has ended, so after the generation.
    expect(root.endTime!).toBeGreaterThanOrEqual(gen.endTime!);
    expect(root.level).not.toBe('ERROR');
  } else if (s.kind === 'boom') {
    expect(s.status).toBe(500);
    expect(root.level).toBe('ERROR');
    expect(root.statusMessage).toContain('boom: the model provider is down');
    expect(Object.keys(byName)).toEqual(['call-provider']);
  } else if (s.kind === 'hello') {
    expect(s.status).toBe(200);
    expect(JSON.parse(s.body)).toEqual({ greeting: `hello ${s.name}` });
    expect(Object.keys(byName)).toEqual(['compose-greeting']);
    expect(byName['compose-greeting']!.output).toBe(`hello ${s.name}`);
  } else {
    expect(s.status).toBe(307);
    expect(root.level).not.toBe('ERROR');
    expect(root.metadata).toMatchObject({ nextControlFlow: 'redirect' });
  }
}

describe('examples/next-app under next start', () => {
  it('bundles fusewire more than once: into instrumentation and into the routes', () => {
    const copies = bundledCopies(['instrumentation.js', 'app/api/chat/route.js', 'pages/api/hello.js']);
    console.log(`[e2e] files holding fusewire per entry: ${JSON.stringify(copies)}`);
    const instrumentation = new Set(copies['instrumentation.js']);
    expect(instrumentation.size).toBeGreaterThan(0);
    // A route that does not load instrumentation's copy has its own.
    for (const route of ['app/api/chat/route.js', 'pages/api/hello.js']) {
      expect(copies[route]!.length).toBeGreaterThan(0);
      expect(copies[route]!.some((f) => !instrumentation.has(f))).toBe(true);
    }
  });

  it('delivers every request’s trace complete and nested (short flush interval), the edge route untraced', async () => {
    const { url } = await restart({ LANGFUSE_FLUSH_INTERVAL: '0.2' });
    const t0 = Date.now();
    const sent: Sent[] = [];
    for (const kind of ['chat', 'boom', 'hello', 'moved'] as const) sent.push(await send(url, kind));
    const edge = await fetch(`${url}/api/edge`, { headers: { 'x-request-id': 'edge' } });
    expect(edge.status).toBe(200);
    expect(await edge.text()).toBe('edge ok');
    // Concurrent requests on both routers: each keeps its own trace.
    sent.push(...(await Promise.all(Array.from({ length: 16 }, (_, i) => send(url, i % 2 === 0 ? 'chat' : 'hello')))));
    await waitForAll(sent, 20_000);
    timings.phaseShortInterval = Date.now() - t0;
    for (const s of sent) checkTrace(s);
    // Nothing else: no trace for the edge route, the readiness probe or the redirect target.
    await new Promise((r) => setTimeout(r, 500));
    expect(server.received.traces()).toHaveLength(sent.length);
    expect(app!.output()).not.toMatch(/fusewire is disabled|FUSEWIRE_|unhandledRejection|uncaughtException/);
  });

  it('App Router traces leave through after(), with no interval flush to rely on', async () => {
    const { url } = await restart({ LANGFUSE_FLUSH_INTERVAL: '600' });
    const t0 = Date.now();
    const sent = [await send(url, 'chat'), await send(url, 'boom'), await send(url, 'moved')];
    await waitForAll(sent, 10_000);
    timings.phaseAfter = Date.now() - t0;
    for (const s of sent) checkTrace(s);
  });

  it('serverless without waitUntil: a Pages Router trace is delivered before its response', async () => {
    const { url } = await restart({ LANGFUSE_FLUSH_INTERVAL: '600', AWS_LAMBDA_FUNCTION_NAME: 'fusewire-e2e' });
    const t0 = Date.now();
    const hello = await send(url, 'hello');
    expect(hello.arrivedWithResponse).toBe(true);
    const chat = await send(url, 'chat');
    await waitForAll([hello, chat], 10_000);
    timings.phaseServerless = Date.now() - t0;
    checkTrace(hello);
    checkTrace(chat);
  });
});
