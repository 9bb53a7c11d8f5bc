// Runs in its own process (vitest forks per file): it needs a process where fusewire has
// never subscribed, to check the no-client path and late subscription.
import dc from 'node:diagnostics_channel';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrument, startObservation, wrap } from '../api/instrument.js';
import { sleep, startClient, stopClient } from '../test-helpers.js';
import { getCurrentTraceId, updateCurrentTrace, withTrace } from '../api/trace-context.js';

// A library that traces itself at import time, long before the app starts fusewire.
const libChannel = dc.tracingChannel('langfuse.retriever');
const libSearch = (q: string, delayMs = 1) =>
  libChannel.tracePromise(
    async () => {
      await sleep(delayMs);
      return [`doc for ${q}`];
    },
    { name: `search ${q}`, input: q },
  );

let server: LangfuseTestServer;
const crashes: unknown[] = [];
const onCrash = (e: unknown) => crashes.push(e);
beforeAll(async () => {
  server = await startLangfuseServer();
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
afterAll(async () => {
  await stopClient();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await server.close();
});

describe('before any client (nothing subscribed)', () => {
  it('costs what a bare TracingChannel costs: no subscribers, fn called with a no-op observation', async () => {
    expect(dc.tracingChannel('langfuse.generation').hasSubscribers).toBe(false);
    const value = instrument('generation', { name: 'x' }, (obs) => {
      obs.output = 'ignored';
      obs.markFirstChunk();
      obs.end();
      return obs.id;
    });
    expect(value).toBe('');
    expect(await instrument('span', {}, async () => getCurrentTraceId())).toBeUndefined();
    const wrapped = wrap('tool', { name: 't' }, (a: number, b: number) => a + b);
    expect(wrapped(1, 2)).toBe(3);
    expect(startObservation('span').run(() => 5)).toBe(5);
    expect(withTrace({ name: 'n' }, () => 'ran')).toBe('ran');
    updateCurrentTrace({ userId: 'nobody' });
    expect(await libSearch('early')).toEqual(['doc for early']);
  });
});

describe('late subscription', () => {
  it('records a library traced before fusewire started; a trace already in flight is ignored safely', async () => {
    // Another tracer listens, so the in-flight trace publishes events; fusewire subscribes mid-flight.
    const other = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    libChannel.subscribe(other);
    const inFlight = libSearch('in-flight', 20);
    await sleep(2);
    const { client } = startClient(server, { transport: 'otlp' });
    expect(await inFlight).toEqual(['doc for in-flight']);
    expect(await libSearch('late')).toEqual(['doc for late']);
    await client.shutdown();
    libChannel.unsubscribe(other);
    const names = server.received.traces().flatMap((t) => t.observations.map((o) => o.name));
    expect(names).toEqual(['search late']);
    await sleep(1);
    expect(crashes).toEqual([]);
  });
});

describe('two bundled copies of fusewire in one process', () => {
  it('share one context: a copy nests under the other and updates its trace', async () => {
    server.reset();
    const { client } = startClient(server, { transport: 'ingestion' });
    // A second evaluation of the modules, as a bundler would make (new classes, same globalThis state).
    vi.resetModules();
    const copy = (await import('../api/instrument.js')) as typeof import('../api/instrument.js');
    const copyContext = (await import('../api/trace-context.js')) as typeof import('../api/trace-context.js');
    expect(copy.instrument).not.toBe(instrument);
    let rootId = '';
    await instrument('agent', { name: 'outer' }, async (root) => {
      rootId = root.id;
      await copy.instrument('tool', { name: 'inner' }, async () => {
        copyContext.updateCurrentTrace({ userId: 'from-copy' });
        await libSearch('nested');
      });
    });
    await client.shutdown();
    const [trace] = server.received.traces();
    expect(trace).toMatchObject({ name: 'outer', userId: 'from-copy' });
    const inner = trace!.observations.find((o) => o.name === 'inner')!;
    expect(inner.parentId).toBe(rootId);
    expect(trace!.observations.find((o) => o.name === 'search nested')!.parentId).toBe(inner.id);
    await sleep(1);
    expect(crashes).toEqual([]);
  });
});
