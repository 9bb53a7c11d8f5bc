/**
 * Payloads as apps really build them: object graphs that share sub-objects (DAGs), very wide
 * or large objects, Errors, Maps and Sets, Buffers and TypedArrays, class instances. The
 * promise: serialising one event costs at most what it may send (linear in its distinct
 * objects, bounded by a budget, cut with a note), never freezes or kills the app, and keeps
 * the content a reader needs. Counted at the server, over real HTTP, both transports.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startChild } from './support/child.js';
import { expectBalanced, hex16, hex32, nonZeroDrops, publish, startClient, stopClient } from './support/client.js';
import { FC_SEED, quickOrSoak } from './support/env.js';
import { dag, longestStall, observationsById } from './support/payloads.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => stopClient());

let base = 1;
const TRANSPORTS = ['otlp', 'ingestion'] as const;

describe.each(TRANSPORTS)('shared sub-objects (%s)', (transport) => {
  it('a DAG of any depth and width is sent at once, written once per distinct object; neighbours arrive', async () => {
    const { client } = startClient(server, { transport, flushAt: 1000 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20, max: quickOrSoak(40, 80) }),
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom('input', 'output', 'metadata'),
        async (depth, width, field) => {
          server.reset();
          const traceId = hex32(base);
          const ids = [hex16(base * 10 + 1), hex16(base * 10 + 2), hex16(base * 10 + 3)];
          base++;
          publish('span', { id: ids[0], traceId, name: 'before', input: 'plain' });
          publish('span', { id: ids[1], traceId, name: 'dag', [field]: dag(depth, width) });
          publish('span', { id: ids[2], traceId, name: 'after', output: { ok: true } });
          const { value: stats, maxMs } = await longestStall(() => client.flush(20_000));
          expectBalanced(stats);
          expect(nonZeroDrops(stats)).toEqual({});
          const stored = observationsById(server);
          for (const id of ids) expect(stored.has(id), `span ${id} at the server`).toBe(true);
          const text = JSON.stringify(stored.get(ids[1]!)![field === 'metadata' ? 'metadata' : field]);
          // width^depth paths; written once per distinct object (depth × width) with markers for
          // repeats, each naming a path of at most `depth` steps: polynomial, never exponential.
          expect(text.length).toBeLessThan(4_000 + depth * width * width * (depth * 6 + 80));
          expect(text).toContain('[Repeated: $.');
          // 2^20 expansions alone take seconds: a whole flush under one second proves linear work.
          expect(maxMs).toBeLessThan(1_000);
        },
      ),
      { seed: FC_SEED, numRuns: quickOrSoak(8, 60) },
    );
  });
});

describe.each(TRANSPORTS)('content JSON.stringify loses (%s)', (transport) => {
  it('Error, Map, Set, Buffer and TypedArray fields arrive with their content or a sized placeholder', async () => {
    const { client } = startClient(server, { transport });
    const traceId = hex32(base++);
    const id = hex16(base++);
    const cause = new RangeError('upstream refused');
    const error = Object.assign(new TypeError('tool call failed', { cause }), { code: 'E_TOOL' });
    publish('span', {
      id,
      traceId,
      name: 'rich',
      input: { error, map: new Map<unknown, unknown>([['k', { v: 1 }]]), set: new Set(['a', 'b']) },
      output: error,
      metadata: { image: Buffer.alloc(1024 * 1024, 1), embedding: new Float32Array(1536) },
    });
    const stats = await client.flush(20_000);
    expectBalanced(stats);
    expect(stats.delivered).toBe(1);
    const o = observationsById(server).get(id)!;
    const input = o.input as Record<string, any>;
    expect(input.error).toMatchObject({ name: 'TypeError', message: 'tool call failed', code: 'E_TOOL' });
    expect(input.error.stack).toContain('tool call failed');
    expect(input.error.cause).toMatchObject({ name: 'RangeError', message: 'upstream refused' });
    expect(input.map).toEqual([['k', { v: 1 }]]);
    expect(input.set).toEqual(['a', 'b']);
    expect(o.output).toMatchObject({ name: 'TypeError', message: 'tool call failed' });
    expect(o.metadata).toMatchObject({ image: '[Buffer: 1048576 bytes]', embedding: '[Float32Array: 6144 bytes]' });
    // The megabyte of binary data is not on the wire.
    expect(server.received.counts.bytes).toBeLessThan(64 * 1024);
  });
});

describe.each(TRANSPORTS)('large and wide objects (%s)', (transport) => {
  it('an object field far over the request limit is cut with a note and delivered, not dropped', async () => {
    const maxBatchBytes = 1_000_000;
    const { client } = startClient(server, { transport, maxBatchBytes });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 10, max: 2_000 }),
        async (megabytes, width) => {
          server.reset();
          const traceId = hex32(base);
          const id = hex16(base++);
          const rows = Math.ceil((megabytes * 1_000_000) / (width + 30));
          const row = 'r'.repeat(width);
          const output = { rows: Array.from({ length: rows }, (_, i) => ({ i, row })) };
          publish('generation', { id, traceId, name: 'big', output });
          const { value: stats, maxMs } = await longestStall(() => client.flush(20_000));
          expectBalanced(stats);
          expect(nonZeroDrops(stats)).toEqual({});
          const o = observationsById(server).get(id)!;
          const text = JSON.stringify(o.output);
          expect(text).toMatch(/\[Truncated: \d+ more items\]/);
          expect(text.length).toBeLessThanOrEqual(maxBatchBytes / 2 + 1024);
          for (const r of server.received.requests) expect(r.bytes).toBeLessThanOrEqual(maxBatchBytes);
          expect(maxMs).toBeLessThan(1_000);
        },
      ),
      { seed: FC_SEED, numRuns: quickOrSoak(4, 30) },
    );
  });
});

describe('a process that publishes a deep DAG', () => {
  it('with a 128 MB heap: stays up, sends it within seconds, and its neighbours arrive', async () => {
    const child = startChild(
      'publish-dag.mjs',
      {
        LANGFUSE_BASE_URL: server.url,
        LANGFUSE_PUBLIC_KEY: server.publicKey,
        LANGFUSE_SECRET_KEY: server.secretKey,
        FUSEWIRE_TEST_DEPTH: String(quickOrSoak(30, 60)),
      },
      ['--max-old-space-size=128'],
    );
    const result = JSON.parse(await child.line('RESULT', 30_000));
    const exit = await child.exited;
    expect(exit.code, child.stderrText()).toBe(0);
    expect(result.stats).toMatchObject({ enqueued: 3, delivered: 3, pending: 0 });
    expect(result.flushMs).toBeLessThan(5_000);
    expect(server.received.uniqueSpanCount).toBe(3);
  });
});
