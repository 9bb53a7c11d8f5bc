import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { createFusewire, getFusewire, instrument, withTrace } from '../index.js';
import { allObservations, createTestFusewire, type TestFusewire } from './index.js';

let fusewire: TestFusewire | undefined;

afterEach(async () => {
  await fusewire?.shutdown();
  fusewire = undefined;
});

describe('createTestFusewire', () => {
  it('captures a published trace in memory and shows it as Langfuse v4 would', async () => {
    fusewire = createTestFusewire();
    const start = Date.now() - 100;
    channel('langfuse.trace').publish({
      id: 'order-17',
      name: 'checkout',
      userId: 'u-1',
      sessionId: 's-1',
      tags: ['t'],
    });
    channel('langfuse.span').publish({
      id: 'root',
      traceId: 'order-17',
      name: 'handle',
      input: { cart: 3 },
      output: 'ok',
      startTime: start,
      endTime: start + 80,
    });
    channel('langfuse.generation').publish({
      traceId: 'order-17',
      parentObservationId: 'root',
      name: 'chat',
      model: 'gpt-4o',
      usageDetails: { input: 10, output: 5 },
      level: 'WARNING',
      statusMessage: 'slow',
      startTime: start + 10,
      endTime: start + 70,
    });

    const traces = await fusewire.traces();
    expect(traces).toHaveLength(1);
    const trace = traces[0]!;
    expect(trace).toMatchObject({ name: 'checkout', userId: 'u-1', sessionId: 's-1', tags: ['t'] });
    expect(trace.input).toEqual({ cart: 3 }); // v4 shows the root observation's I/O
    expect(trace.observations).toHaveLength(1);
    const [root] = trace.observations;
    expect(root).toMatchObject({ type: 'span', name: 'handle', durationMs: 80 });
    expect(root!.children).toHaveLength(1);
    const generation = root!.children[0]!;
    expect(generation).toMatchObject({ type: 'generation', model: 'gpt-4o', level: 'WARNING', statusMessage: 'slow' });
    expect(generation.usageDetails).toEqual({ input: 10, output: 5, total: 15 }); // Langfuse adds the total
    expect(generation.costDetails).toEqual({ input: 10 * 2.5e-6, output: 5 * 1e-5, total: 10 * 2.5e-6 + 5 * 1e-5 });
    expect(generation.totalCost).toBeGreaterThan(0);
    expect(allObservations(trace).map((o) => o.name)).toEqual(['handle', 'chat']);
    expect(await fusewire.trace('order-17')).toEqual(trace);
    expect(fusewire.stats()).toMatchObject({ enqueued: 3, delivered: 3, pending: 0 });
  });

  it('works with the instrumentation helpers and the context API', async () => {
    fusewire = createTestFusewire();
    await withTrace({ name: 'answer', userId: 'u-2' }, () =>
      instrument('span', { name: 'outer' }, () =>
        instrument('generation', { name: 'llm', model: 'gpt-4o-mini' }, () => 42),
      ),
    );
    const [trace] = await fusewire.traces();
    expect(trace).toMatchObject({ name: 'answer', userId: 'u-2' });
    expect(trace!.observations[0]).toMatchObject({ name: 'outer', children: [{ name: 'llm', model: 'gpt-4o-mini' }] });
  });

  it('reset() forgets what was captured; each test starts clean', async () => {
    fusewire = createTestFusewire();
    channel('langfuse.span').publish({ name: 'before-reset' });
    await fusewire.reset();
    expect(await fusewire.traces()).toEqual([]);
    channel('langfuse.span').publish({ name: 'after-reset' });
    const traces = await fusewire.traces();
    expect(traces.map((t) => t.observations[0]!.name)).toEqual(['after-reset']);
    expect(fusewire.requests().length).toBeGreaterThan(0);
  });

  it('is the client the app gets, and the batch API can be tested too', async () => {
    fusewire = createTestFusewire({ transport: 'ingestion', environment: 'test' });
    expect(createFusewire()).toBe(getFusewire()); // the app's createFusewire() returns the running test client
    channel('langfuse.trace').publish({ id: 'batch-1', name: 'via-batch', metadata: { a: 1 } });
    channel('langfuse.event').publish({ traceId: 'batch-1', name: 'clicked' });
    channel('langfuse.score').publish({ traceId: 'batch-1', name: 'quality', value: 1 });
    const trace = await fusewire.trace('batch-1');
    expect(trace).toMatchObject({ name: 'via-batch', environment: 'test', metadata: { a: 1 } });
    expect(trace!.observations.map((o) => o.type)).toEqual(['event']);
    expect(trace!.scores).toMatchObject([{ name: 'quality', value: 1 }]);
    expect(fusewire.requests().every((r) => r.endpoint === 'ingestion')).toBe(true);
  });

  it('refuses to start while another client runs, saying what to do', async () => {
    const other = createFusewire({
      publicKey: 'pk',
      secretKey: 'sk',
      baseUrl: 'http://127.0.0.1:9',
      flushOnExit: false,
    });
    try {
      expect(() => createTestFusewire()).toThrow(/already running.*Create the test client before/);
    } finally {
      await other.shutdown(100);
    }
    fusewire = createTestFusewire();
    expect(fusewire.enabled).toBe(true);
  });
});
