import { type LangfuseTestServer, startLangfuseServer, type TraceView } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrument, startObservation } from '../../api/instrument.js';
import { updateCurrentTrace, withTrace } from '../../api/trace-context.js';
import { toTraceId } from '../../model/ids.js';
import { expectBalanced, startClient, stopClient } from '../../test-helpers.js';

// Each test asserts what Langfuse v4 would show (the test server's model: rows replaced by span id,
// trace fields aggregated over rows), not only which attributes were sent.
let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

const shown = (id: string): TraceView => {
  const trace = server.received.trace(toTraceId(id)) ?? server.received.trace(id);
  if (trace === undefined)
    throw new Error(`trace ${id} not received; got ${server.received.traces().map((t) => t.id)}`);
  return trace;
};

describe('Langfuse v4: what is shown is what was published', () => {
  it('1. every OTLP request carries x-langfuse-ingestion-version: 4 (the direct path, no 10-minute delay)', async () => {
    const { client } = startClient(server);
    await instrument('span', { name: 'a' }, () => {});
    await client.flush();
    const otlp = server.received.requests.filter((r) => r.endpoint === 'otlp');
    expect(otlp.length).toBeGreaterThan(0);
    for (const r of otlp) expect(r.headers['x-langfuse-ingestion-version']).toBe('4');
  });

  it('2. every span exported once the trace fields are known carries them, over the client defaults', async () => {
    const { client } = startClient(server, { environment: 'prod', release: 'client-rel' });
    let traceId = '';
    await instrument('span', { name: 'root' }, async (root) => {
      traceId = root.traceId;
      updateCurrentTrace({ userId: 'u-1', sessionId: 's-1', tags: ['a'], environment: 'staging', release: 'r-2' });
      await instrument('span', { name: 'child' }, async () => {
        await instrument('generation', { name: 'llm', model: 'gpt-4o' }, () => 'ok');
      });
    });
    await client.flush();
    const trace = shown(traceId);
    expect(trace.observations).toHaveLength(3);
    for (const row of trace.observations) {
      expect(row).toMatchObject({
        userId: 'u-1',
        sessionId: 's-1',
        tags: ['a'],
        environment: 'staging',
        release: 'r-2',
      });
    }
    expect(trace.environments).toEqual(['staging']); // not split across environments
    expect(trace).toMatchObject({
      userId: 'u-1',
      sessionId: 's-1',
      tags: ['a'],
      environment: 'staging',
      release: 'r-2',
    });
  });

  it('3. trace input/output land on the root observation when it has none of its own', async () => {
    const { client } = startClient(server);
    let traceId = '';
    await instrument('span', { name: 'root', captureOutput: false }, async (root) => {
      traceId = root.traceId;
      updateCurrentTrace({ input: { question: 'why?' }, output: 'because' });
    });
    await client.flush();
    const trace = shown(traceId);
    expect(trace.input).toEqual({ question: 'why?' });
    expect(trace.output).toBe('because');
    expect(trace.roots[0]).toMatchObject({ legacyTraceInput: { question: 'why?' }, legacyTraceOutput: 'because' });
  });

  it('4. a late update re-sends the root with the whole accumulated state (tags as a set, metadata merged)', async () => {
    const { client } = startClient(server);
    await withTrace({ id: 'acc-1', name: 'checkout', metadata: { a: 1 }, tags: ['x'] }, () =>
      instrument('span', { name: 'root' }, () => updateCurrentTrace({ metadata: { b: 2 }, tags: ['y'] })),
    );
    await client.flush();
    // After the root ended: only the new key and tag are published.
    const obs = startObservation('span', { traceId: 'acc-1', name: 'late' });
    obs.updateTrace({ metadata: { c: 3 }, tags: ['z'], userId: 'u-9' });
    obs.end();
    await client.flush();
    const trace = shown('acc-1');
    expect(trace.name).toBe('checkout');
    expect(trace.tags).toEqual(['x', 'y', 'z']);
    expect(trace.metadata).toMatchObject({ a: 1, b: 2 });
    expect(trace.userId).toBe('u-9');
    expect(server.received.duplicates().spans).toBeGreaterThanOrEqual(0);
  });

  it('5. OpenAI usage as the SDK returns it is stored with its cached tokens, a right total and a cost', async () => {
    const { client } = startClient(server);
    let traceId = '';
    await instrument('generation', { name: 'chat', model: 'gpt-4o' }, (gen) => {
      traceId = gen.traceId;
      gen.usageDetails = {
        prompt_tokens: 1000,
        completion_tokens: 100,
        total_tokens: 1100,
        prompt_tokens_details: { cached_tokens: 400 },
        completion_tokens_details: { reasoning_tokens: 20 },
      } as never;
    });
    await client.flush();
    const row = shown(traceId).observations[0]!;
    expect(row.usage).toEqual({
      input: 600,
      input_cached_tokens: 400,
      output: 80,
      output_reasoning_tokens: 20,
      total: 1100,
    });
    expect(row.totalCost).toBeGreaterThan(0);
  });

  it('6. a trace joined by id carries its fields on its own spans: no carrier observation', async () => {
    const { client } = startClient(server);
    await withTrace({ id: 'order-42', userId: 'u-42', tags: ['orders'] }, () =>
      instrument('span', { name: 'charge' }, () => {}),
    );
    const stats = await client.flush();
    const trace = shown('order-42');
    expect(trace.observations.map((o) => o.name)).toEqual(['charge']);
    expect(trace).toMatchObject({ userId: 'u-42', tags: ['orders'] });
    expectBalanced(stats);
  });

  it('8. nothing Langfuse would silently rewrite: environment, metadata, null, model parameters', async () => {
    const { client, logger } = startClient(server, { environment: 'prod' });
    let traceId = '';
    await instrument('span', { name: 'root', metadata: 'just a note' }, async (root) => {
      traceId = root.traceId;
      updateCurrentTrace({ environment: 'QA Env', metadata: ['a', 'b'], output: null });
      await instrument('generation', { name: 'llm', modelParameters: { temperature: 0.2, max_tokens: 100 } }, () => 1);
    });
    await instrument('span', { name: 'other' }, () => updateCurrentTrace({ environment: 'QA Env' }));
    const stats = await client.flush();
    const trace = shown(traceId);
    // Sent as the client's environment, not silently "default"; said once.
    expect(trace.environments).toEqual(['prod']);
    expect(logger.text().match(/breaks Langfuse's rule/g)).toHaveLength(1);
    expect(trace.roots[0]!.metadata).toMatchObject({ value: ['a', 'b'] });
    expect(trace.roots[0]!.metadata).not.toHaveProperty('0');
    const attrs = trace.roots[0]!.attributes!;
    expect(attrs['langfuse.observation.metadata']).toBe('{"value":"just a note"}');
    expect(Object.values(attrs)).not.toContain('null');
    const llm = trace.observations.find((o) => o.name === 'llm')!;
    expect(llm.modelParameters).toEqual({ temperature: 0.2, max_tokens: 100 });
    expectBalanced(stats);
  });
});

describe('Langfuse batch API (transport: ingestion)', () => {
  it('9. every trace-create restates the whole trace, with envelope times strictly increasing per trace', async () => {
    const { client } = startClient(server, { transport: 'ingestion', release: 'r-1' });
    // Several updates of one trace in one millisecond: Langfuse would merge those in reverse.
    await withTrace({ id: 'batch-1', name: 'first', public: true, tags: ['a'] }, () =>
      instrument('span', { name: 'root' }, () => {
        updateCurrentTrace({ userId: 'u-1', tags: ['b'] });
      }),
    );
    await client.flush();
    const obs = startObservation('span', { traceId: 'batch-1', name: 'late' });
    obs.updateTrace({ output: 'done' });
    obs.end();
    await client.flush();
    const creates = server.received.events.filter((e) => e.type === 'trace-create');
    expect(creates.length).toBeGreaterThanOrEqual(2);
    const times = creates.map((e) => Date.parse(e.timestamp));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    const last = creates.at(-1)!.body;
    expect(last).toMatchObject({ name: 'first', public: true, userId: 'u-1', tags: ['a', 'b'], release: 'r-1' });
    expect(shown('batch-1')).toMatchObject({ name: 'first', public: true, userId: 'u-1', tags: ['a', 'b'] });
  });
});
