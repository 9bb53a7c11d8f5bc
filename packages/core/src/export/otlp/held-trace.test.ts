import dc from 'node:diagnostics_channel';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toTraceId, traceCarrierSpanId } from '../../model/ids.js';
import { expectBalanced, startClient, stopClient } from '../../test-helpers.js';

// A trace update and its root span split across two batches must still leave together:
// the update waits (held) and rides with the batch that carries the root.
describe('a trace update held for its root span', () => {
  let server: LangfuseTestServer;
  beforeAll(async () => {
    server = await startLangfuseServer();
  });
  afterEach(async () => {
    await stopClient();
    server.reset();
  });
  afterAll(async () => {
    await server.close();
  });

  it('joins the root in a later batch: no carrier, no re-sent root', async () => {
    // flushAt 2: [trace update, other span] leave as one batch, the root as the next.
    const { client } = startClient(server, { flushAt: 2, flushIntervalMs: 60_000 });
    dc.channel('langfuse.trace').publish({ id: 'held-1', name: 'checkout', userId: 'u-1' });
    dc.channel('langfuse.span').publish({ traceId: 'other', name: 'unrelated' });
    dc.channel('langfuse.span').publish({ traceId: 'held-1', name: 'root-span' });
    dc.channel('langfuse.span').publish({ traceId: 'other-2', name: 'filler' });
    await server.waitFor((r) => r.spans.length >= 3);
    const stats = await client.shutdown(2_000);

    const traceId = toTraceId('held-1');
    const spans = server.received.spans.filter((s) => s.traceId === traceId);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.spanId).not.toBe(traceCarrierSpanId(traceId));
    expect(spans[0]!.name).toBe('root-span');
    expect(spans[0]!.attributes).toMatchObject({ 'langfuse.trace.name': 'checkout', 'user.id': 'u-1' });
    expect(server.received.duplicates().spans).toBe(0);
    expect(stats.delivered).toBe(4);
    expectBalanced(stats);
  });

  it('is not forced out alone by a final flush while its root is still queued', async () => {
    // Everything is queued before any export, then shutdown drains it in final mode:
    // [filler, filler, trace update] | [root, filler, filler].
    const { client } = startClient(server, { flushAt: 3, flushIntervalMs: 60_000 });
    dc.channel('langfuse.span').publish({ traceId: 'f-1', name: 'filler' });
    dc.channel('langfuse.span').publish({ traceId: 'f-2', name: 'filler' });
    dc.channel('langfuse.trace').publish({ id: 'held-2', name: 'report' });
    dc.channel('langfuse.span').publish({ traceId: 'held-2', name: 'root-span' });
    dc.channel('langfuse.span').publish({ traceId: 'f-3', name: 'filler' });
    dc.channel('langfuse.span').publish({ traceId: 'f-4', name: 'filler' });
    const stats = await client.shutdown(2_000);

    const traceId = toTraceId('held-2');
    const spans = server.received.spans.filter((s) => s.traceId === traceId);
    expect(spans.map((s) => s.name)).toEqual(['root-span']);
    expect(spans[0]!.attributes).toMatchObject({ 'langfuse.trace.name': 'report' });
    expect(stats.delivered).toBe(6);
    expectBalanced(stats);
  });
});
