import { createRequire } from 'node:module';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNELS } from './channels.js';
import { toTraceId } from '../model/ids.js';
import { expectBalanced, startClient, stopClient } from '../test-helpers.js';

type DcModule = typeof import('node:diagnostics_channel');
const require = createRequire(import.meta.url);

const publishers: Array<[string, () => DcModule]> = [
  ['node:diagnostics_channel', () => require('node:diagnostics_channel') as DcModule],
  // biome-ignore lint/style/useNodejsImportProtocol: the bare name is what this case tests
  ["bare require('diagnostics_channel')", () => require('diagnostics_channel') as DcModule],
  ['dc-polyfill', () => require('dc-polyfill') as DcModule],
];

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

describe.each(publishers)('a publisher using %s', (label, load) => {
  it('reaches fusewire on every channel', async () => {
    const dc = load();
    const { client } = startClient(server);
    const traceId = `pub-${label}`;
    dc.channel(CHANNELS.trace).publish({ id: traceId, name: label });
    dc.channel(CHANNELS.span).publish({ traceId, id: 'root', name: 'span' });
    dc.channel(CHANNELS.generation).publish({ traceId, parentObservationId: 'root', name: 'gen', model: 'm' });
    dc.channel(CHANNELS.event).publish({ traceId, parentObservationId: 'root', name: 'evt' });
    dc.channel(CHANNELS.score).publish({ traceId, name: 'q', value: 1 });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 5, delivered: 5 });
    const [trace] = server.received.traces();
    expect(trace).toMatchObject({ id: toTraceId(traceId), name: label });
    expect(trace!.observations.map((o) => o.type).sort()).toEqual(['event', 'generation', 'span']);
    expect(trace!.scores.map((s) => s.name)).toEqual(['q']);
  });
});

describe('channel identity', () => {
  it('all three module names are one registry', () => {
    const [a, b, c] = publishers.map(([, load]) => load().channel('langfuse.span'));
    expect(a).toBe(b);
    expect(a).toBe(c);
  });

  it('a second client after shutdown receives publishes (no stale subscription)', async () => {
    const dc = publishers[0]![1]();
    const first = startClient(server).client;
    dc.channel(CHANNELS.span).publish({ name: 'one' });
    await first.shutdown();
    const { client } = startClient(server);
    expect(client).not.toBe(first);
    dc.channel(CHANNELS.span).publish({ name: 'two' });
    const stats = await client.flush();
    expect(stats).toMatchObject({ enqueued: 1, delivered: 1 });
    expect(server.received.spans.map((s) => s.name)).toEqual(['one', 'two']);
  });
});
