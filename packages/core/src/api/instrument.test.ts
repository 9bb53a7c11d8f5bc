import dc from 'node:diagnostics_channel';
import { EventEmitter, EventEmitterAsyncResource } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type LangfuseTestServer, startLangfuseServer, type TraceNode, type TraceView } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { globalState } from '../runtime/global-state.js';
import { sampledIn, toTraceId, traceCarrierSpanId } from '../model/ids.js';
import { instrument, startObservation, wrap } from './instrument.js';
import type { ActiveObservation } from './observation-types.js';
import type { Transport } from '../runtime/options.js';
import { expectBalanced, publish, sleep, startClient, stopClient } from '../test-helpers.js';
import { getCurrentObservationId, getCurrentTraceId, updateCurrentTrace, withTrace } from './trace-context.js';

let server: LangfuseTestServer;
const crashes: unknown[] = [];
const onCrash = (e: unknown) => crashes.push(e);

beforeAll(async () => {
  server = await startLangfuseServer();
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await server.close();
});
beforeEach(() => {
  server.reset();
  crashes.length = 0;
});
afterEach(async () => {
  await stopClient();
  // Subscriber errors surface on the next tick: give them one before judging.
  await sleep(1);
  expect(crashes).toEqual([]);
});

/** Shuts the client down (sending everything) and returns the traces the server built. */
async function sent(client: { shutdown(ms?: number): Promise<unknown> }): Promise<TraceView[]> {
  const stats = await client.shutdown(5_000);
  expectBalanced(stats as never);
  return server.received.traces();
}

function nodesOf(traces: TraceView[]): Map<string, TraceNode> {
  const out = new Map<string, TraceNode>();
  for (const t of traces) for (const o of t.observations) out.set(o.id, o);
  return out;
}

function byName(traces: TraceView[], name: string): TraceNode {
  const found = traces.flatMap((t) => t.observations).filter((o) => o.name === name);
  if (found.length !== 1) throw new Error(`expected one observation named ${name}, got ${found.length}`);
  return found[0]!;
}

/** The parent id as each transport put it on the wire (OTLP parentSpanId, ingestion body.parentObservationId). */
function wireParent(transport: Transport, id: string): string | undefined {
  if (transport === 'otlp') {
    const span = server.received.spans.find((s) => s.spanId === id);
    if (span === undefined) throw new Error(`span ${id} not received`);
    return span.parentSpanId;
  }
  const event = server.received.events.find((e) => e.body.id === id && e.type !== 'trace-create');
  if (event === undefined) throw new Error(`event ${id} not received`);
  return event.body.parentObservationId;
}

function wireTrace(transport: Transport, id: string): string {
  if (transport === 'otlp') return server.received.spans.find((s) => s.spanId === id)!.traceId;
  return server.received.events.find((e) => e.body.id === id && e.type !== 'trace-create')!.body.traceId;
}

const tracer = dc.tracingChannel('langfuse.tool');

describe.each<Transport>(['otlp', 'ingestion'])('instrumentation over %s', (transport) => {
  it('nests across await, setTimeout, Promise.all, EventEmitter; wire parent ids match the tree built', async () => {
    const { client } = startClient(server, { transport });
    const ids: Record<string, string> = {};
    const parents: Record<string, string | undefined> = {};
    const note = (key: string, obs: ActiveObservation) => {
      ids[key] = obs.id;
      parents[key] = getCurrentObservationId() === obs.id ? undefined : getCurrentObservationId();
    };
    const result = await instrument('agent', { name: 'root', input: 'question' }, async (root) => {
      ids.root = root.id;
      expect(getCurrentObservationId()).toBe(root.id);
      expect(getCurrentTraceId()).toBe(root.traceId);
      await instrument('span', { name: 'after-await' }, async (a) => {
        ids.a = a.id;
        await sleep(2);
        await instrument('tool', { name: 'deep' }, async (d) => {
          ids.deep = d.id;
          await Promise.resolve();
          expect(getCurrentObservationId()).toBe(d.id);
        });
        expect(getCurrentObservationId()).toBe(a.id);
      });
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          instrument('span', { name: 'in-timer' }, (t) => note('timer', t));
          resolve();
        }, 3),
      );
      const fan = await Promise.all(
        [1, 2, 3].map((i) =>
          instrument('retriever', { name: `fan-${i}` }, async (o) => {
            ids[`fan-${i}`] = o.id;
            await sleep(4 - i);
            return i * 10;
          }),
        ),
      );
      expect(fan).toEqual([10, 20, 30]);
      const ee = new EventEmitter();
      const heard = new Promise<void>((resolve) =>
        ee.on('data', () => {
          instrument('span', { name: 'on-data' }, (o) => note('ee', o));
          resolve();
        }),
      );
      setImmediate(() => ee.emit('data'));
      await heard;
      // An emitter that keeps the context it was made in, emitted from outside any trace.
      const bound = new EventEmitterAsyncResource({ name: 'bound' });
      const heardBound = new Promise<void>((resolve) =>
        bound.on('ping', () => {
          instrument('span', { name: 'on-bound' }, (o) => note('bound', o));
          resolve();
        }),
      );
      globalState().storage.exit(() => setTimeout(() => bound.emit('ping'), 1));
      await heardBound;
      return 'answer';
    });
    expect(result).toBe('answer');

    const traces = await sent(client);
    expect(traces).toHaveLength(1);
    const trace = traces[0]!;
    expect(trace.name).toBe('root');
    const nodes = nodesOf(traces);
    expect(nodes.size).toBe(9);
    const root = nodes.get(ids.root!)!;
    expect(root.parentId).toBeUndefined();
    expect(root.output).toBe('answer');
    expect(root.input).toBe('question');
    expect(root.type).toBe('agent');
    const childOfRoot = ['a', 'timer', 'fan-1', 'fan-2', 'fan-3', 'ee', 'bound'];
    for (const key of childOfRoot) expect(nodes.get(ids[key]!)!.parentId, key).toBe(ids.root);
    expect(nodes.get(ids.deep!)!.parentId).toBe(ids.a);
    expect(nodes.get(ids.deep!)!.type).toBe('tool');
    // Inside each block the current observation is the block itself (no stale parent).
    for (const key of ['timer', 'ee', 'bound']) expect(parents[key]).toBeUndefined();
    // Depth: root → a → deep.
    expect(root.children.find((c) => c.id === ids.a)!.children.map((c) => c.id)).toEqual([ids.deep]);
    // What went over the wire is the tree the code built.
    for (const key of Object.keys(ids)) {
      const expected = key === 'root' ? undefined : key === 'deep' ? ids.a : ids.root;
      expect(wireParent(transport, ids[key]!), key).toBe(expected);
      expect(wireTrace(transport, ids[key]!)).toBe(trace.id);
    }
    // Times: children inside their parent.
    const fan1 = nodes.get(ids['fan-1']!)!;
    expect(fan1.startTime!).toBeGreaterThanOrEqual(root.startTime!);
    expect(fan1.endTime!).toBeLessThanOrEqual(root.endTime!);
    expect(fan1.durationMs!).toBeGreaterThanOrEqual(2);
    if (transport === 'otlp') {
      // Trace fields rode on the root: no carrier span.
      expect(server.received.spans.some((s) => s.spanId === traceCarrierSpanId(trace.id))).toBe(false);
      expect(server.received.uniqueSpanCount).toBe(9);
    }
  });

  it('keeps concurrent traces apart', async () => {
    const { client } = startClient(server, { transport });
    const expected = new Map<string, { traceId: string; parent: string | undefined }>();
    const one = (n: number) =>
      instrument('chain', { name: `root-${n}` }, async (root) => {
        expected.set(root.id, { traceId: root.traceId, parent: undefined });
        for (let step = 0; step < 3; step++) {
          await sleep((n * 7 + step * 3) % 5);
          await instrument('span', { name: `step-${n}-${step}` }, async (s) => {
            expected.set(s.id, { traceId: root.traceId, parent: root.id });
            await sleep((n + step) % 3);
            instrument('event', { name: `ev-${n}-${step}` }, (e) => {
              expected.set(e.id, { traceId: root.traceId, parent: s.id });
            });
            publish('span', { name: `plain-${n}-${step}` });
          });
        }
        updateCurrentTrace({ userId: `user-${n}` });
      });
    await Promise.all(Array.from({ length: 20 }, (_, n) => one(n)));
    const traces = await sent(client);
    expect(traces).toHaveLength(20);
    const nodes = nodesOf(traces);
    for (const [id, want] of expected) {
      const node = nodes.get(id)!;
      expect(node.traceId).toBe(want.traceId);
      expect(node.parentId).toBe(want.parent);
    }
    for (const t of traces) {
      const n = Number(t.name!.slice('root-'.length));
      expect(t.userId).toBe(`user-${n}`);
      // 1 root + 3 steps + 3 events + 3 plain spans published inside the steps.
      expect(t.observations).toHaveLength(10);
      for (const o of t.observations) expect(o.name.endsWith(`-${n}`) || o.name.includes(`-${n}-`)).toBe(true);
      for (const plain of t.observations.filter((o) => o.name.startsWith('plain-'))) {
        const step = t.observations.find((o) => o.name === plain.name.replace('plain-', 'step-'))!;
        expect(plain.parentId).toBe(step.id);
      }
    }
  });

  it('re-throws the same error object and records it (sync, async, non-Error)', async () => {
    const { client } = startClient(server, { transport });
    const syncError = new Error('sync boom');
    const asyncError = new TypeError('async boom');
    let caught: unknown;
    try {
      instrument('span', { name: 'sync-fail' }, () => {
        throw syncError;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(syncError);
    await expect(
      instrument('generation', { name: 'async-fail', model: 'm' }, async () => {
        await sleep(1);
        throw asyncError;
      }),
    ).rejects.toBe(asyncError);
    const rejected = instrument('tool', { name: 'string-fail' }, () => Promise.reject('plain string'));
    await expect(rejected).rejects.toBe('plain string');
    const traces = await sent(client);
    expect(byName(traces, 'sync-fail')).toMatchObject({ level: 'ERROR', statusMessage: 'sync boom' });
    expect(byName(traces, 'async-fail')).toMatchObject({ level: 'ERROR', statusMessage: 'async boom' });
    expect(byName(traces, 'string-fail')).toMatchObject({ level: 'ERROR', statusMessage: 'plain string' });
    expect(byName(traces, 'sync-fail').output).toBeUndefined();
  });

  it('records the TracingChannel forms: traceSync, tracePromise, traceCallback and their errors', async () => {
    const { client } = startClient(server, { transport });
    const syncValue = tracer.traceSync(() => ({ hits: 3 }), { name: 'sync-tool', input: 'q1' });
    expect(syncValue).toEqual({ hits: 3 });
    const promised = await tracer.tracePromise(async () => 'async-value', { name: 'promise-tool', input: 'q2' });
    expect(promised).toBe('async-value');
    const viaCallback = await new Promise((resolve, reject) =>
      tracer.traceCallback(
        (x: number, cb: (err: Error | null, v?: number) => void) => setTimeout(() => cb(null, x * 2), 2),
        -1,
        { name: 'callback-tool', input: 21 },
        undefined,
        21,
        (err: Error | null, v?: number) => (err ? reject(err) : resolve(v)),
      ),
    );
    expect(viaCallback).toBe(42);
    const failure = new Error('tool failed');
    expect(() =>
      tracer.traceSync(
        () => {
          throw failure;
        },
        { name: 'sync-throw-tool' },
      ),
    ).toThrow(failure);
    await expect(tracer.tracePromise(() => Promise.reject(failure), { name: 'reject-tool' })).rejects.toBe(failure);
    // The caller may set fields on its context object while the work runs.
    const ctx: Record<string, unknown> = { name: 'ctx-fields', input: 'in' };
    await tracer.tracePromise(async () => {
      ctx.output = 'explicit';
      ctx.metadata = { k: 1 };
      return 'ignored because output was set';
    }, ctx);
    await tracer.tracePromise(async () => 'not captured', { name: 'no-capture', captureOutput: false });

    const traces = await sent(client);
    expect(byName(traces, 'sync-tool')).toMatchObject({ type: 'tool', input: 'q1', output: { hits: 3 } });
    expect(byName(traces, 'promise-tool')).toMatchObject({ input: 'q2', output: 'async-value' });
    const cb = byName(traces, 'callback-tool');
    expect(cb).toMatchObject({ input: 21, output: 42 });
    expect(cb.durationMs!).toBeGreaterThanOrEqual(1);
    expect(byName(traces, 'sync-throw-tool')).toMatchObject({ level: 'ERROR', statusMessage: 'tool failed' });
    expect(byName(traces, 'reject-tool')).toMatchObject({ level: 'ERROR', statusMessage: 'tool failed' });
    expect(byName(traces, 'ctx-fields')).toMatchObject({ output: 'explicit', metadata: { k: 1 } });
    expect(byName(traces, 'no-capture').output).toBeUndefined();
  });

  it('publishes from a separate package that only imports diagnostics_channel, nested or as a root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusewire-lib-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'some-rag-lib', type: 'module', main: 'index.js' }),
    );
    writeFileSync(
      join(dir, 'index.js'),
      `import { tracingChannel, channel } from 'node:diagnostics_channel';
import dcBare from 'diagnostics_channel';
const retrieve = tracingChannel('langfuse.retriever');
const embed = dcBare.tracingChannel('langfuse.embedding');
const events = channel('langfuse.event');
export async function search(q) {
  return retrieve.tracePromise(async () => {
    const vector = embed.traceSync(() => [0.1, 0.2], { name: 'embed', input: q, model: 'text-embedding-3-small' });
    events.publish({ name: 'cache-miss', metadata: { q } });
    await new Promise((r) => setTimeout(r, 2));
    return ['doc-1', 'doc-2'].map((d) => d + ':' + vector.length);
  }, { name: 'retrieve', input: q });
}`,
    );
    const lib = (await import(pathToFileURL(join(dir, 'index.js')).href)) as { search(q: string): Promise<string[]> };
    const { client } = startClient(server, { transport });
    let rootId = '';
    const docs = await instrument('chain', { name: 'rag' }, async (obs) => {
      rootId = obs.id;
      return lib.search('what is fusewire?');
    });
    expect(docs).toEqual(['doc-1:2', 'doc-2:2']);
    await lib.search('standalone');
    const traces = await sent(client);
    expect(traces).toHaveLength(2);
    const nested = traces.find((t) => t.name === 'rag')!;
    const retrieve = nested.observations.find((o) => o.name === 'retrieve')!;
    expect(retrieve.parentId).toBe(rootId);
    expect(retrieve.type).toBe('retriever');
    expect(retrieve.output).toEqual(['doc-1:2', 'doc-2:2']);
    const embed = nested.observations.find((o) => o.name === 'embed')!;
    expect(embed).toMatchObject({ type: 'embedding', parentId: retrieve.id, model: 'text-embedding-3-small' });
    const event = nested.observations.find((o) => o.name === 'cache-miss')!;
    expect(event).toMatchObject({ type: 'event', parentId: retrieve.id });
    const standalone = traces.find((t) => t.name === 'retrieve')!;
    expect(standalone.roots.map((r) => r.name)).toEqual(['retrieve']);
    expect(standalone.observations).toHaveLength(3);
  });

  it('updates the trace from anywhere below it, before and after the root ended, with no carrier span', async () => {
    const { client } = startClient(server, { transport });
    let late: Promise<void> | undefined;
    let traceId = '';
    await instrument(
      'span',
      { name: 'request', input: { path: '/chat' }, trace: { name: 'chat-request', tags: ['a'] } },
      async (root) => {
        traceId = root.traceId;
        await instrument('generation', { name: 'llm' }, async (gen) => {
          updateCurrentTrace({ userId: 'u-1', sessionId: 's-1', tags: ['b'] });
          gen.updateTrace({ metadata: { tenant: 'acme' } });
        });
        root.updateTrace({ output: 'final answer' });
        late = (async () => {
          await sleep(40);
          updateCurrentTrace({ tags: ['late'], public: true });
        })();
      },
    );
    await late;
    const traces = await sent(client);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({
      id: traceId,
      name: 'chat-request',
      userId: 'u-1',
      sessionId: 's-1',
      output: 'final answer',
      metadata: { tenant: 'acme' },
      public: true,
    });
    expect([...traces[0]!.tags!].sort()).toEqual(['a', 'b', 'late']);
    if (transport === 'otlp') {
      expect(server.received.spans.some((s) => s.spanId === traceCarrierSpanId(traceId))).toBe(false);
      // The root carried the fields; the late update re-sent the same root span (upsert by id).
      expect(new Set(server.received.spans.map((s) => s.spanId)).size).toBe(2);
    } else {
      expect(server.received.events.filter((e) => e.type === 'trace-create').length).toBe(2);
    }
  });

  it('withTrace runs a block inside a given trace; observations inside are its roots', async () => {
    const { client } = startClient(server, { transport });
    const seen: Array<string | undefined> = [];
    const value = await withTrace({ id: 'order-42', name: 'checkout', userId: 'u-9', tags: ['shop'] }, async () => {
      seen.push(getCurrentTraceId(), getCurrentObservationId());
      await instrument('span', { name: 'charge' }, async () => sleep(1));
      await instrument('span', { name: 'ship' }, async () => {
        await instrument('tool', { name: 'label' }, () => 'ok');
      });
      updateCurrentTrace({ output: { ok: true } });
      return 'done';
    });
    expect(value).toBe('done');
    expect(seen).toEqual([toTraceId('order-42'), undefined]);
    // Sync form and a plain string id.
    const syncValue = withTrace('order-43', () => instrument('span', { name: 'sync-in-trace' }, () => 7));
    expect(syncValue).toBe(7);
    const traces = await sent(client);
    const checkout = traces.find((t) => t.id === toTraceId('order-42'))!;
    expect(checkout).toMatchObject({ name: 'checkout', userId: 'u-9', tags: ['shop'], output: { ok: true } });
    expect(checkout.roots.map((r) => r.name).sort()).toEqual(['charge', 'ship']);
    expect(byName(traces, 'label').parentId).toBe(byName(traces, 'ship').id);
    const other = traces.find((t) => t.id === toTraceId('order-43'))!;
    // A joined trace is not renamed after its first observation.
    expect(other.name === undefined || other.name === 'sync-in-trace').toBe(true);
    expect(other.roots.map((r) => r.name)).toEqual(['sync-in-trace']);
  });

  it('ends a streaming generation later, with completionStartTime at the first chunk', async () => {
    const { client } = startClient(server, { transport });
    async function* stream() {
      await sleep(5);
      yield 'Hel';
      await sleep(5);
      yield 'lo';
    }
    let obsId = '';
    await instrument('span', { name: 'handler' }, async () => {
      const gen = startObservation('generation', {
        name: 'stream',
        model: 'gpt-4o',
        input: [{ role: 'user', content: 'hi' }],
      });
      obsId = gen.id;
      let text = '';
      for await (const chunk of stream()) {
        gen.markFirstChunk();
        text += chunk;
      }
      gen.run(() => instrument('span', { name: 'post-process' }, () => text.length));
      gen.end({ output: text, usageDetails: { input: 3, output: 2 } });
      gen.end({ output: 'second end is ignored' });
    });
    const traces = await sent(client);
    const gen = byName(traces, 'stream');
    expect(gen.id).toBe(obsId);
    expect(gen).toMatchObject({ type: 'generation', model: 'gpt-4o', output: 'Hello', usage: { input: 3, output: 2 } });
    expect(gen.parentId).toBe(byName(traces, 'handler').id);
    expect(byName(traces, 'post-process').parentId).toBe(gen.id);
    const completionStart =
      transport === 'otlp'
        ? Date.parse(gen.attributes!['langfuse.observation.completion_start_time'] as string)
        : Date.parse(gen.body!.completionStartTime);
    expect(completionStart).toBeGreaterThanOrEqual(Math.floor(gen.startTime!) + 4);
    expect(completionStart).toBeLessThanOrEqual(Math.ceil(gen.endTime!));
    expect(gen.endTime! - completionStart).toBeGreaterThanOrEqual(3);
  });

  it('samples whole traces and masks before queueing', async () => {
    const { client } = startClient(server, {
      transport,
      sampleRate: 0.5,
      mask: (value, { field }) => (field === 'input' && typeof value === 'string' ? value.replace(/\d/g, '#') : value),
    });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      await instrument('span', { name: `t-${i}`, input: `card 4111-${i}` }, async (root) => {
        ids.push(root.traceId);
        await instrument('span', { name: `child-${i}` }, async () => {
          publish('event', { name: `ev-${i}` });
          updateCurrentTrace({ input: 'pin 1234' });
        });
      });
    }
    const traces = await sent(client);
    const kept = ids.filter((id) => sampledIn(id, 0.5));
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(35);
    expect(traces.map((t) => t.id).sort()).toEqual([...kept].sort());
    for (const t of traces) {
      expect(t.observations).toHaveLength(3);
      expect(t.roots[0]!.input).toMatch(/^card ####-#+$/);
      if (transport === 'otlp') {
        // v4 shows the root observation's own input as the trace's; the trace's travels for older servers.
        expect(t.input).toBe(t.roots[0]!.input);
        expect(t.roots[0]!.legacyTraceInput).toBe('pin ####');
      } else expect(t.input).toBe('pin ####');
    }
    expect(client.stats().dropped.sampled).toBe(ids.length - kept.length);
  });

  it('wrap keeps this, arguments, sync/async results and the function name', async () => {
    const { client } = startClient(server, { transport });
    const service = {
      factor: 3,
      multiply(this: { factor: number }, x: number) {
        return this.factor * x;
      },
      async fetch(this: { factor: number }, id: string, opts: { deep: boolean }) {
        await sleep(1);
        return { id, deep: opts.deep, factor: this.factor };
      },
    };
    service.multiply = wrap('tool', { name: 'multiply' }, service.multiply);
    service.fetch = wrap('retriever', (id: string) => ({ name: 'fetch', input: id }), service.fetch);
    expect(service.multiply(5)).toBe(15);
    expect(service.multiply.name).toBe('multiply');
    expect(service.multiply.length).toBe(1);
    const opts = { deep: true };
    const spy = wrap('span', { name: 'spy' }, (...args: unknown[]) => args);
    const args = spy(opts, 2);
    expect(args[0]).toBe(opts);
    expect(await service.fetch('doc-1', opts)).toEqual({ id: 'doc-1', deep: true, factor: 3 });
    const traces = await sent(client);
    expect(byName(traces, 'multiply')).toMatchObject({ type: 'tool', output: 15 });
    expect(byName(traces, 'fetch')).toMatchObject({
      type: 'retriever',
      input: 'doc-1',
      output: { id: 'doc-1', deep: true, factor: 3 },
    });
  });
});

describe('instrument() result semantics', () => {
  it('keeps sync sync, promise subclasses by identity, and calls a thenable once', async () => {
    const { client } = startClient(server);
    const sync = instrument('span', { name: 'sync' }, () => 42);
    expect(sync).toBe(42);

    class ApiPromise<T> extends Promise<T> {
      withResponse() {
        return 'response';
      }
    }
    const api = new ApiPromise<string>((resolve) => setTimeout(() => resolve('parsed'), 1));
    const returned = instrument('generation', { name: 'api' }, () => api);
    expect(returned).toBe(api);
    expect(returned.withResponse()).toBe('response');
    expect(await returned).toBe('parsed');

    let thenCalls = 0;
    const lazy = {
      // biome-ignore lint/suspicious/noThenProperty: a lazy thenable (query-builder style) is the point of this test
      then(onValue: (v: string) => unknown, onError: (e: unknown) => unknown) {
        thenCalls++;
        return Promise.resolve('lazy-value').then(onValue, onError);
      },
    };
    expect(await instrument('span', { name: 'lazy' }, () => lazy)).toBe('lazy-value');
    expect(thenCalls).toBe(1);

    const plain = Promise.resolve('plain');
    const chained = instrument('span', { name: 'plain' }, () => plain);
    expect(chained).toBeInstanceOf(Promise);
    expect(await chained).toBe('plain');

    // The observation's explicit output wins over the return value.
    const r = await instrument('generation', { name: 'explicit' }, async (obs) => {
      obs.output = 'text only';
      return { text: 'text only', raw: 'big' };
    });
    expect(r).toEqual({ text: 'text only', raw: 'big' });

    const traces = await sent(client);
    expect(byName(traces, 'sync').output).toBe(42);
    expect(byName(traces, 'api').output).toBe('parsed');
    expect(byName(traces, 'lazy').output).toBe('lazy-value');
    expect(byName(traces, 'explicit').output).toBe('text only');
  });

  it('a rejected promise nobody handles still surfaces as unhandledRejection', async () => {
    const { client } = startClient(server);
    const seen: unknown[] = [];
    const handler = (e: unknown) => seen.push(e);
    process.off('unhandledRejection', onCrash);
    process.on('unhandledRejection', handler);
    try {
      const error = new Error('dropped');
      void instrument('span', { name: 'dropped' }, async () => {
        throw error;
      });
      await sleep(20);
      expect(seen).toEqual([error]);
    } finally {
      process.off('unhandledRejection', handler);
      process.on('unhandledRejection', onCrash);
    }
    await client.shutdown();
  });

  it('never throws for fusewire reasons: hostile attributes, contexts and fields', async () => {
    const { client } = startClient(server);
    const hostile = {
      get name(): string {
        throw new Error('getter');
      },
    };
    expect(instrument('span', hostile as never, () => 'still runs')).toBe('still runs');
    expect(
      wrap(
        'span',
        () => {
          throw new Error('attributes fn');
        },
        (x: number) => x + 1,
      )(1),
    ).toBe(2);
    expect(tracer.traceSync(() => 'ok', hostile as never)).toBe('ok');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(instrument('span', { name: 'circular', input: circular, metadata: { big: 10n } }, () => 1)).toBe(1);
    instrument('span', { name: 'bad-usage' }, (obs) => {
      obs.usageDetails = { input: -1 } as never;
      obs.update(null as never);
      obs.updateTrace(null as never);
      obs.recordError({
        toString: () => {
          throw new Error('no string');
        },
      });
    });
    updateCurrentTrace(undefined as never);
    withTrace(null as never, () => undefined);
    expect(instrument('nonsense' as never, { name: 'unknown-type' }, () => 'typed as span')).toBe('typed as span');
    const traces = await sent(client);
    expect(byName(traces, 'circular').input).toEqual({ self: '[Circular]' });
    expect(byName(traces, 'unknown-type').type).toBe('span');
    // Invalid usage makes that one observation invalid; it is counted, not thrown.
    expect(client.stats().dropped.invalid).toBeGreaterThanOrEqual(1);
  });

  it('is a cheap no-op once the client is shut down', async () => {
    const { client } = startClient(server);
    await client.shutdown();
    let seen: ActiveObservation | undefined;
    const value = instrument('generation', { name: 'after' }, (obs) => {
      seen = obs;
      obs.output = 'forgotten';
      (obs as unknown as Record<string, unknown>).custom = 1;
      return getCurrentTraceId();
    });
    expect(value).toBeUndefined();
    expect(seen!.id).toBe('');
    expect(seen!.output).toBeUndefined();
    expect(startObservation('span').traceId).toBe('');
    expect(withTrace('x', () => getCurrentTraceId())).toBeUndefined();
    updateCurrentTrace({ userId: 'nobody' });
    expect(client.stats().enqueued).toBe(0);
  });
});

describe('withoutTracing', () => {
  it('records and counts nothing inside, across awaits, and passes the result through', async () => {
    const { withoutTracing } = await import('./trace-context.js');
    const { startLangfuseServer } = await import('@fusewire/test-server');
    const { createFusewire } = await import('./client.js');
    const dc = await import('node:diagnostics_channel');
    const server = await startLangfuseServer();
    const client = createFusewire({
      baseUrl: server.url,
      publicKey: server.publicKey,
      secretKey: server.secretKey,
      flushOnExit: false,
    });
    try {
      const result = await withoutTracing(async () => {
        await instrument('span', { name: 'hidden' }, async () => {
          await new Promise((r) => setTimeout(r, 5));
          dc.channel('langfuse.event').publish({ name: 'hidden-event' });
        });
        return 42;
      });
      expect(result).toBe(42);
      await instrument('span', { name: 'visible' }, () => 1);
      const stats = await client.shutdown(2_000);
      expect(server.received.spans.map((s) => s.name)).toEqual(['visible']);
      expect(stats.enqueued).toBe(stats.delivered);
    } finally {
      await client.shutdown(1_000);
      await server.close();
    }
  });
});

describe('a type plain JS got wrong', () => {
  it('never throws out of instrument() or wrap(): the work runs, recorded as a span', () => {
    const weird = Object.create(null) as unknown as 'span';
    expect(instrument(weird, { name: 'x' }, () => 7)).toBe(7);
    expect(wrap(weird, { name: 'x' }, (a: number) => a + 1)(1)).toBe(2);
  });
});

// instrument() skips its TracingChannel events while only fusewire's own subscribers would hear
// them (tracing-channels.ts, othersListen): any other listener, on any of the five channels, must
// still get every event of every call.
describe('another tracer on the langfuse.* TracingChannels', () => {
  const heard: string[] = [];
  const record = (event: string) => (ctx: unknown) =>
    heard.push(`${event}:${(ctx as { name?: string }).name}:${(ctx as { ended?: boolean }).ended}`);

  it.each(['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const)(
    'listening on %s only, hears it for sync, async and failing calls',
    async (event) => {
      startClient(server);
      heard.length = 0;
      const handler = record(event);
      const channel = dc.tracingChannel('langfuse.chain');
      channel[event].subscribe(handler);
      try {
        instrument('chain', { name: 'sync' }, () => 1);
        await instrument('chain', { name: 'async' }, async () => 2);
        await instrument('chain', { name: 'rejects' }, async () => {
          throw new Error('no');
        }).catch(() => undefined);
      } finally {
        channel[event].unsubscribe(handler);
      }
      const expected = {
        start: ['start:sync:false', 'start:async:false', 'start:rejects:false'],
        end: ['end:sync:true', 'end:async:false', 'end:rejects:false'],
        asyncStart: ['asyncStart:async:true', 'asyncStart:rejects:true'],
        asyncEnd: ['asyncEnd:async:true', 'asyncEnd:rejects:true'],
        error: ['error:rejects:true'],
      }[event];
      expect(heard).toEqual(expected);
      // With the listener gone, nothing more is heard, and the observations were all recorded.
      await instrument('chain', { name: 'alone' }, async () => 3);
      expect(heard).toEqual(expected);
      await stopClient();
      expect(server.received.spans.map((s) => s.name).sort()).toEqual(['alone', 'async', 'rejects', 'sync']);
    },
  );
});
