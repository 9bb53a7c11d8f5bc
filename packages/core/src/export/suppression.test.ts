import dc from 'node:diagnostics_channel';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { EXPORT_HEADER } from './http-transport.js';
import { expectBalanced, publish, sleep, startClient, stopClient } from '../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
afterEach(stopClient);

// What an HTTP auto-instrumentation does: one langfuse.span per outgoing undici request.
let seen = 0;
const onRequest = (message: unknown) => {
  seen++;
  const { request: req } = message as { request: { method: string; path: string; origin: string } };
  publish('span', { name: `${req.method} ${req.path}`, metadata: { origin: String(req.origin) } });
};

it("fusewire's own export requests never become spans; the app's requests do", async () => {
  dc.subscribe('undici:request:create', onRequest);
  try {
    const { client } = startClient(server);
    // The app's own requests, through undici (npm) and fetch (Node's bundled undici).
    for (let i = 0; i < 3; i++) await (await request(`${server.url}/api/public/health`)).body.text();
    await (await fetch(`${server.url}/api/public/health?via=fetch`)).text();
    publish('score', { traceId: 'app', name: 'q', value: 1 });
    // Several rounds of export: each would create another span if we traced ourselves.
    for (let i = 0; i < 3; i++) {
      expectBalanced(await client.flush());
      await sleep(30);
    }
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 5, delivered: 5, pending: 0 });
    const names = server.received.spans.map((s) => s.name);
    expect(names).toHaveLength(4);
    expect(names.every((n) => n.startsWith('GET /api/public/health'))).toBe(true);
    const exports = server.received.requests.filter((r) => r.endpoint === 'otlp' || r.endpoint === 'ingestion');
    expect(exports.length).toBeGreaterThanOrEqual(2);
    for (const r of exports) expect(r.headers[EXPORT_HEADER]).toBe('1');
    for (const r of server.received.requests.filter((r) => r.endpoint === 'health'))
      expect(r.headers[EXPORT_HEADER]).toBeUndefined();
    // Not vacuous: our export requests did publish on the undici channel, inside the suppressed context.
    expect(seen).toBe(4 + exports.length);
  } finally {
    dc.unsubscribe('undici:request:create', onRequest);
  }
});

it('an OpenTelemetry SDK in the process sees its suppress-tracing flag during our exports', async () => {
  // The shape @opentelemetry/api registers globally: a context manager with active() and with().
  const SUPPRESS = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
  const makeContext = (values: Map<symbol, unknown>) => ({
    setValue: (key: symbol, value: unknown) => makeContext(new Map(values).set(key, value)),
    getValue: (key: symbol) => values.get(key),
  });
  const contextsUsed: Array<ReturnType<typeof makeContext>> = [];
  const key = Symbol.for('opentelemetry.js.api.1');
  const holder = globalThis as unknown as Record<symbol, unknown>;
  holder[key] = {
    context: {
      active: () => makeContext(new Map()),
      with: <T>(ctx: ReturnType<typeof makeContext>, fn: () => T) => {
        contextsUsed.push(ctx);
        return fn();
      },
    },
  };
  try {
    server.reset();
    const { client } = startClient(server);
    publish('span', { name: 'app-work' });
    expectBalanced(await client.flush());
    expect(server.received.spans.map((s) => s.name)).toEqual(['app-work']);
    expect(contextsUsed.length).toBeGreaterThanOrEqual(1);
    expect(contextsUsed.every((c) => c.getValue(SUPPRESS) === true)).toBe(true);
  } finally {
    delete holder[key];
  }
});
