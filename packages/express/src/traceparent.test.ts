import { type Fusewire, instrument, traceHeaders } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { middleware, trace } from './index.js';
import { failOnProcessErrors, listen, loadExpress, type RunningApp, startClient } from './test-support.js';

failOnProcessErrors();

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe.each([5, 4] as const)('Express %i: W3C traceparent', (major) => {
  let server: LangfuseTestServer;
  let client: Fusewire;
  let app: RunningApp;
  let off: RunningApp;

  beforeAll(async () => {
    server = await startLangfuseServer();
    client = startClient(server);
    const express = await loadExpress(major);
    const build = (continueTrace?: boolean) => {
      const a = express();
      a.use(middleware(continueTrace === undefined ? {} : { continueTrace }));
      a.get('/work', (req, res) => res.json({ traceId: trace(req).traceId }));
      return a;
    };
    app = await listen(build());
    off = await listen(build(false));
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await app.close();
    await off.close();
    await client.shutdown(1000);
    await server.close();
  });

  const get = async (base: string, traceparent?: string) => {
    const res = await fetch(`${base}/work`, { headers: traceparent === undefined ? {} : { traceparent } });
    return ((await res.json()) as { traceId: string }).traceId;
  };

  it('continues the caller trace: same trace id, the caller span as parent, marked as this app root', async () => {
    const traceId = await get(app.url, `00-${TRACE}-${PARENT}-01`);
    expect(traceId).toBe(TRACE);
    await client.flush();
    const shown = server.received.trace(TRACE)!;
    const row = shown.observations[0]!;
    expect(row).toMatchObject({ name: 'GET /work', parentId: PARENT, isAppRoot: true });
    expect(row.attributes).toMatchObject({ 'langfuse.internal.is_app_root': true, 'langfuse.internal.as_root': true });
    // The caller's root names the trace; until it arrives, v4 shows this app root's name.
    expect(shown.name).toBe('GET /work');
    expect(row.traceName).toBeUndefined();
  });

  it.each([
    ['garbage', 'not-a-traceparent'],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['uppercase', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['trailing data on version 00', `00-${TRACE}-${PARENT}-01-extra`],
  ])('a malformed header (%s) starts a new trace, never an error', async (_what, header) => {
    const traceId = await get(app.url, header);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(TRACE);
    await client.flush();
    expect(server.received.trace(traceId)!.observations[0]!.parentId).toBeUndefined();
  });

  it('continueTrace: false ignores the header', async () => {
    const traceId = await get(off.url, `00-${TRACE}-${PARENT}-01`);
    expect(traceId).not.toBe(TRACE);
  });

  it('traceHeaders() on an outgoing call joins the two services into one trace in Langfuse', async () => {
    let callerTrace = '';
    let callerSpan = '';
    await instrument('span', { name: 'checkout' }, async (obs) => {
      callerTrace = obs.traceId;
      callerSpan = obs.id;
      const headers = traceHeaders();
      expect(headers.traceparent).toBe(`00-${obs.traceId}-${obs.id}-01`);
      expect(await get(app.url, headers.traceparent)).toBe(obs.traceId);
    });
    await client.flush();
    const shown = server.received.trace(callerTrace)!;
    expect(shown.name).toBe('checkout');
    expect(shown.roots.map((r) => r.name)).toEqual(['checkout']);
    expect(shown.roots[0]!.children.map((c) => [c.name, c.parentId])).toEqual([['GET /work', callerSpan]]);
  });
});
