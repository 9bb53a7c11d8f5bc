import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTraces } from './build-traces.js';
import { startLangfuseServer } from './start-langfuse-server.js';
import { CHILD_ID, ROOT_ID, TRACE_ID, event, otlpBody, postIngestion, postOtlp, span } from './test-support.js';

const server = await startLangfuseServer();
afterAll(() => server.close());
beforeEach(() => server.reset());

const TOOL_ID = '1111111111111111';

describe('received.traces()', () => {
  it('builds the OTLP tree and aggregates trace fields over the rows (v4: latest non-empty, I/O from the root)', async () => {
    await postOtlp(
      server,
      otlpBody([
        span({
          spanId: CHILD_ID,
          parentSpanId: ROOT_ID,
          name: 'chat',
          startMs: 10,
          endMs: 130,
          attributes: {
            'langfuse.observation.type': 'generation',
            'langfuse.observation.model.name': 'gpt-4o',
            'langfuse.observation.usage_details': '{"input":12,"output":34}',
            'langfuse.observation.input': '[{"role":"user","content":"hi"}]',
            'langfuse.trace.output': '"first"',
            'session.id': 's-1',
          },
        }),
        span({
          spanId: TOOL_ID,
          parentSpanId: ROOT_ID,
          name: 'search',
          startMs: 5,
          endMs: 8,
          attributes: { 'langfuse.observation.type': 'tool' },
          status: { code: 2, message: 'timeout' },
        }),
      ]),
    );
    await postOtlp(
      server,
      otlpBody([
        span({
          spanId: ROOT_ID,
          name: 'handle-request',
          endMs: 250,
          attributes: {
            // v4 shows the root observation's input/output as the trace's
            'langfuse.observation.input': '{"question":"What?"}',
            'langfuse.observation.output': '"second"',
            'langfuse.trace.tags': ['demo', 'test'],
            'langfuse.trace.metadata.region': 'eu',
            'user.id': 'u-1',
          },
        }),
      ]),
    );
    const [trace, ...rest] = server.received.traces();
    expect(rest).toHaveLength(0);
    expect(trace).toMatchObject({
      id: TRACE_ID,
      name: 'handle-request',
      input: { question: 'What?' },
      output: 'second',
      userId: 'u-1',
      sessionId: 's-1',
      tags: ['demo', 'test'],
      metadata: { region: 'eu' },
      sources: ['otlp'],
    });
    expect(trace?.roots.map((n) => n.id)).toEqual([ROOT_ID]);
    const root = trace!.roots[0]!;
    expect(root.durationMs).toBe(250);
    // children ordered by start time
    expect(root.children.map((n) => [n.name, n.type, n.parentId])).toEqual([
      ['search', 'tool', ROOT_ID],
      ['chat', 'generation', ROOT_ID],
    ]);
    expect(root.children[0]).toMatchObject({ level: 'ERROR', statusMessage: 'timeout' });
    expect(root.children[1]).toMatchObject({
      model: 'gpt-4o',
      usage: { input: 12, output: 34 },
      input: [{ role: 'user', content: 'hi' }],
      durationMs: 120,
      source: 'otlp',
    });
  });

  it('prefers langfuse.trace.name over the root span name', () => {
    const base = {
      traceId: TRACE_ID,
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
      kind: 0,
      status: { code: 0 },
      events: [],
      resource: {},
      scope: { name: 'x' },
    };
    const traces = buildTraces(
      [
        { ...base, spanId: ROOT_ID, name: 'root', attributes: {} },
        {
          ...base,
          spanId: CHILD_ID,
          parentSpanId: ROOT_ID,
          name: 'child',
          attributes: { 'langfuse.trace.name': 'named' },
        },
      ],
      [],
    );
    expect(traces[0]?.name).toBe('named');
  });

  it('folds ingestion events into the same shape, merging create and update by timestamp', async () => {
    const ts = (ms: number) => new Date(1_700_000_000_000 + ms).toISOString();
    const batch = [
      // the update arrives first but is newer: it must win for output and end time
      { id: 'u', timestamp: ts(300), type: 'generation-update', body: { id: 'g', endTime: ts(150), output: 'done' } },
      {
        id: 't',
        timestamp: ts(0),
        type: 'trace-create',
        body: { id: 'trace-1', name: 'chat-request', userId: 'u-2', tags: ['x'] },
      },
      {
        id: 's',
        timestamp: ts(1),
        type: 'span-create',
        body: { id: 'root', traceId: 'trace-1', name: 'handler', startTime: ts(0), endTime: ts(200) },
      },
      {
        id: 'g1',
        timestamp: ts(2),
        type: 'generation-create',
        body: {
          id: 'g',
          traceId: 'trace-1',
          parentObservationId: 'root',
          name: 'chat',
          startTime: ts(30),
          model: 'gpt-4o',
          usage: { input: 5, output: 6 },
          output: null,
        },
      },
      event('score-create', { traceId: 'trace-1', name: 'quality', value: 0.9, observationId: 'g' }),
      event('sdk-log', { log: 'ignored' }),
    ];
    expect((await postIngestion(server, { batch })).status).toBe(207);
    const [trace] = server.received.traces();
    expect(trace).toMatchObject({
      id: 'trace-1',
      name: 'chat-request',
      userId: 'u-2',
      tags: ['x'],
      sources: ['ingestion'],
    });
    expect(trace?.scores).toEqual([{ name: 'quality', value: 0.9, observationId: 'g', environment: 'default' }]);
    const root = trace!.roots[0]!;
    expect(root).toMatchObject({ id: 'root', type: 'span', name: 'handler', durationMs: 200, source: 'ingestion' });
    expect(root.children[0]).toMatchObject({
      id: 'g',
      type: 'generation',
      name: 'chat',
      parentId: 'root',
      model: 'gpt-4o',
      usage: { input: 5, output: 6 },
      output: 'done',
      durationMs: 120,
    });
  });

  it('puts an orphan (parent never received) at the root and counts duplicates once', async () => {
    const orphan = span({ spanId: CHILD_ID, parentSpanId: ROOT_ID, name: 'orphan' });
    await postOtlp(server, otlpBody([orphan, orphan]));
    const [trace] = server.received.traces();
    expect(trace?.observations).toHaveLength(1);
    expect(trace?.roots[0]).toMatchObject({ name: 'orphan', parentId: ROOT_ID });
  });
});
