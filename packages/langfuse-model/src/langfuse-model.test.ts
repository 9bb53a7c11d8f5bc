import { describe, expect, it } from 'vitest';
import { createLangfuseModel } from './langfuse-model.js';
import { id16, otlpRequest, TRACE } from './test-spans.js';

const ROOT = id16(1);
const CHILD = id16(2);

describe('OTLP rows', () => {
  it('a re-sent span replaces its row whole (no field merge), keeping its place', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([{ spanId: ROOT, attributes: { 'langfuse.observation.input': '"q"', 'user.id': 'u1' } }]),
    );
    model.ingestOtlp(otlpRequest([{ spanId: CHILD, parentSpanId: ROOT }]));
    model.ingestOtlp(otlpRequest([{ spanId: ROOT, attributes: { 'langfuse.observation.output': '"a"' } }]));
    const rows = model.rows();
    expect(rows.map((r) => r.id)).toEqual([ROOT, CHILD]);
    expect(rows[0]).toMatchObject({ output: 'a' });
    expect(rows[0]?.input).toBeUndefined();
    expect(rows[0]?.userId).toBeUndefined();
  });

  it('reads level from the status when none is set, and model parameters keep strings and numbers', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([
        {
          spanId: ROOT,
          status: { code: 2, message: 'boom' },
          attributes: {
            'langfuse.observation.type': 'generation',
            'langfuse.observation.model.name': 'gpt-4o',
            'langfuse.observation.model.parameters': JSON.stringify({
              temperature: 0.2,
              stream: true,
              stop: ['x'],
              tier: 'a',
            }),
          },
        },
      ]),
    );
    expect(model.rows()[0]).toMatchObject({
      level: 'ERROR',
      statusMessage: 'boom',
      type: 'generation',
      modelParameters: { temperature: 0.2, stream: 'true', stop: '["x"]', tier: 'a' },
    });
  });

  it('metadata: a JSON string that is not an object is dropped, an array becomes index keys, dotted keys set one key', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([
        { spanId: id16(1), attributes: { 'langfuse.observation.metadata': '"just text"' } },
        { spanId: id16(2), attributes: { 'langfuse.observation.metadata': '["a","b"]' } },
        {
          spanId: id16(3),
          attributes: { 'langfuse.observation.metadata': 'not json', 'langfuse.observation.metadata.k': 'v' },
        },
        {
          spanId: id16(4),
          attributes: { 'langfuse.observation.metadata': '{"o":1}', 'langfuse.trace.metadata': '{"t":2,"o":3}' },
        },
      ]),
    );
    const [a, b, c, d] = model.rows();
    expect(a?.metadata).toBeUndefined();
    expect(b?.metadata).toEqual({ 0: 'a', 1: 'b' });
    expect(c?.metadata).toEqual({ k: 'v' });
    expect(d?.metadata).toEqual({ o: 3, t: 2 });
    expect(d?.traceMetadata).toEqual({ t: 2, o: 3 });
  });

  it('environment: span attribute, else resource; normalised; "QA Env" is stored as default', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([{ spanId: id16(1) }, { spanId: id16(2), attributes: { 'langfuse.environment': 'QA Env' } }], {
        'langfuse.environment': 'Staging',
      }),
    );
    expect(model.rows().map((r) => r.environment)).toEqual(['staging', 'default']);
  });

  it('usage is converted and priced only on keys the model price lists', () => {
    const model = createLangfuseModel();
    const generation = (spanId: string, usage: unknown) => ({
      spanId,
      attributes: {
        'langfuse.observation.type': 'generation',
        'langfuse.observation.model.name': 'gpt-4o-2024-08-06',
        'langfuse.observation.usage_details': JSON.stringify(usage),
      },
    });
    model.ingestOtlp(
      otlpRequest([
        generation(id16(1), {
          prompt_tokens: 1000,
          completion_tokens: 100,
          total_tokens: 1100,
          prompt_tokens_details: { cached_tokens: 400 },
        }),
        generation(id16(2), { prompt_tokens: 1000, prompt_tokens_details_cached_tokens: 400 }),
      ]),
    );
    const [shaped, flattened] = model.rows();
    expect(shaped?.usage).toEqual({ input: 600, input_cached_tokens: 400, output: 100, total: 1100 });
    expect(shaped?.totalCost).toBeCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 100 * 1e-5, 12);
    expect(flattened?.totalCost).toBe(0);
    expect(flattened?.usage?.total).toBe(1400);
  });
});

describe('trace aggregation (v4)', () => {
  it('recomputes a trace only when it changed (polling is cheap), and reset forgets everything', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(otlpRequest([{ spanId: ROOT }, { spanId: CHILD, traceId: 'b'.repeat(32) }]));
    const [a, b] = model.traces();
    expect(model.traces()[0]).toBe(a);
    model.ingestOtlp(otlpRequest([{ spanId: ROOT, attributes: { 'user.id': 'u' } }]));
    const [a2, b2] = model.traces();
    expect(a2).not.toBe(a);
    expect(a2?.userId).toBe('u');
    expect(b2).toBe(b);
    model.reset();
    expect(model.traces()).toEqual([]);
  });

  it('latest non-empty value over rows for user, session, tags, release, version, environment; public if any', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([
        {
          spanId: ROOT,
          start: 1000,
          attributes: {
            'user.id': 'u1',
            'session.id': 's1',
            'langfuse.trace.tags': ['a', 'b'],
            'langfuse.trace.public': true,
          },
        },
      ]),
    );
    model.ingestOtlp(
      otlpRequest([
        {
          spanId: CHILD,
          parentSpanId: ROOT,
          start: 900,
          attributes: { 'langfuse.trace.tags': ['c'], 'langfuse.release': 'r2' },
        },
      ]),
    );
    const trace = model.trace(TRACE)!;
    expect(trace).toMatchObject({
      userId: 'u1',
      sessionId: 's1',
      tags: ['c'],
      release: 'r2',
      public: true,
      timestamp: 900,
    });
    expect(trace.roots.map((r) => r.id)).toEqual([ROOT]);
    expect(trace.roots[0]?.children.map((c) => c.id)).toEqual([CHILD]);
  });

  it('a child without an environment splits the trace: the latest row (default) wins', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(otlpRequest([{ spanId: ROOT, attributes: { 'langfuse.environment': 'prod' } }]));
    model.ingestOtlp(otlpRequest([{ spanId: CHILD, parentSpanId: ROOT }]));
    const trace = model.trace(TRACE)!;
    expect(trace.environment).toBe('default');
    expect(trace.environments).toEqual(['prod', 'default']);
  });

  it('input/output/metadata come from the latest root row; langfuse.trace.input is not shown', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([
        { spanId: ROOT, attributes: { 'langfuse.trace.input': '"trace-in"', 'langfuse.trace.metadata': '{"k":1}' } },
        {
          spanId: CHILD,
          parentSpanId: ROOT,
          attributes: { 'langfuse.observation.input': '"child-in"', 'langfuse.trace.metadata': '{"k":2}' },
        },
      ]),
    );
    const trace = model.trace(TRACE)!;
    expect(trace.input).toBeUndefined();
    expect(trace.metadata).toEqual({ k: 1 });
    expect(trace.roots[0]?.legacyTraceInput).toBe('trace-in');
  });

  it('name: latest langfuse.trace.name on any row, else the root or app-root span name', () => {
    const model = createLangfuseModel();
    const remoteParent = id16(99);
    model.ingestOtlp(
      otlpRequest([
        {
          spanId: ROOT,
          parentSpanId: remoteParent,
          name: 'GET /x',
          attributes: { 'langfuse.internal.is_app_root': true },
        },
      ]),
    );
    expect(model.trace(TRACE)?.name).toBe('GET /x');
    expect(model.trace(TRACE)?.roots.map((r) => r.id)).toEqual([ROOT]);
    model.ingestOtlp(
      otlpRequest([{ spanId: CHILD, parentSpanId: ROOT, attributes: { 'langfuse.trace.name': 'checkout' } }]),
    );
    expect(model.trace(TRACE)?.name).toBe('checkout');
  });

  it('cost is the sum over observations; provided cost details win', () => {
    const model = createLangfuseModel();
    model.ingestOtlp(
      otlpRequest([
        { spanId: ROOT, attributes: { 'langfuse.observation.cost_details': '{"input":0.5,"output":0.25}' } },
        { spanId: CHILD, parentSpanId: ROOT, attributes: { 'langfuse.observation.cost_details': '{"total":1}' } },
      ]),
    );
    expect(model.trace(TRACE)?.totalCost).toBe(1.75);
  });
});

describe('batch events (legacy ingestion)', () => {
  const traceCreate = (id: string, timestamp: string, body: Record<string, unknown>) => ({
    id,
    timestamp,
    type: 'trace-create',
    body: { id: 't1', ...body },
  });

  it('a trace-create that omits public or release resets them; envelope ids count once', () => {
    const model = createLangfuseModel();
    model.ingestBatch([
      traceCreate('e1', '2026-01-01T00:00:00.000Z', { name: 'n', public: true, release: 'r1' }),
      traceCreate('e2', '2026-01-01T00:00:00.001Z', { tags: ['x'] }),
      traceCreate('e2', '2026-01-01T00:00:00.001Z', { tags: ['x'] }),
    ]);
    expect(model.trace('t1')).toMatchObject({ name: 'n', public: false, tags: ['x'] });
    expect(model.trace('t1')?.release).toBeUndefined();
  });

  it('trace-creates of the same millisecond merge in reverse arrival order', () => {
    const model = createLangfuseModel();
    model.ingestBatch([
      traceCreate('e1', '2026-01-01T00:00:00.000Z', { name: 'first' }),
      traceCreate('e2', '2026-01-01T00:00:00.000Z', { name: 'second' }),
    ]);
    expect(model.trace('t1')?.name).toBe('first');
  });

  it('observations merge by timestamp; scores attach; usage converted', () => {
    const model = createLangfuseModel();
    model.ingestBatch([
      { id: 'u', timestamp: '2026-01-01T00:00:01.000Z', type: 'generation-update', body: { id: 'g', output: 'done' } },
      {
        id: 'c',
        timestamp: '2026-01-01T00:00:00.000Z',
        type: 'generation-create',
        body: {
          id: 'g',
          traceId: 't1',
          name: 'chat',
          usageDetails: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        },
      },
      {
        id: 's',
        timestamp: '2026-01-01T00:00:02.000Z',
        type: 'score-create',
        body: { id: 'sc', traceId: 't1', name: 'q', value: 1 },
      },
    ]);
    const trace = model.trace('t1')!;
    expect(trace.observations[0]).toMatchObject({
      type: 'generation',
      name: 'chat',
      output: 'done',
      usage: { input: 3, output: 2, total: 5 },
    });
    expect(trace.scores).toMatchObject([{ name: 'q', value: 1 }]);
    expect(trace.sources).toEqual(['ingestion']);
  });
});
