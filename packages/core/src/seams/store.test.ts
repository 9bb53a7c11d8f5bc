import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFusewire } from '../api/client.js';
import { FusewireConfigError } from '../runtime/errors.js';
import { expectBalanced, publish, startClient, stopClient } from '../test-helpers.js';
import { createMemoryStore } from './memory-store.js';
import { createStoreDouble } from './store-double.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

describe('the store seam', () => {
  it('createFusewire({ store }): every event goes through the store and is settled there once', async () => {
    const store = createStoreDouble();
    const { client } = startClient(server, { store });
    for (let i = 0; i < 10; i++) publish('span', { name: `s${i}` });
    publish('score', { name: 'q', value: 1, traceId: 'abc' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.delivered).toBe(11);
    expect(store.appended).toHaveLength(11);
    expect(store.settled.map((s) => s.outcome)).toEqual(Array(11).fill('delivered'));
    expect(store.flushes).toBeGreaterThan(0);
    await client.shutdown();
    expect(store.closed).toBe(true);
  });

  it('`spool` is the same option; both at once is a config error', () => {
    const spool = createStoreDouble();
    expect(() =>
      createFusewire({ store: createMemoryStore(), spool, publicKey: 'pk', secretKey: 'sk', strict: true }),
    ).toThrow(FusewireConfigError);
    expect(() => createFusewire({ store: {} as never, strict: true })).toThrow(/EventStore/);
  });

  it('a durable store gets what was published within maxAppendDelayMs, with no flush and a long interval', async () => {
    const store = createStoreDouble({ maxAppendDelayMs: 20 });
    startClient(server, { spool: store, flushIntervalMs: 600_000 });
    publish('span', { name: 'durable' });
    const until = Date.now() + 5_000;
    while (store.appended.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(store.appended.map((r) => (r.kind === 'observation' ? r.name : r.kind))).toEqual(['durable']);
  });

  it('with a durable store, what shutdown could not send is released to it, not counted lost', async () => {
    server.script({ hang: true, times: 10 });
    const store = createStoreDouble();
    const { client } = startClient(server, { store });
    publish('span', { name: 'kept' });
    const stats = await client.shutdown(200);
    expectBalanced(stats);
    expect(stats.dropped.shutdown_timeout).toBe(0);
    expect(stats.pending).toBe(1);
    expect(store.held).toHaveLength(1);
    expect(store.released).toHaveLength(1);
  });
});
