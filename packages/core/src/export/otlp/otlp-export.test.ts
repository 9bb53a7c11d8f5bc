import { type LangfuseTestServer, type ReceivedSpan, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { globalState } from '../../runtime/global-state.js';
import { toSpanId, toTraceId, traceCarrierSpanId } from '../../model/ids.js';
import { SDK_VERSION } from '../../runtime/version.js';
import { expectBalanced, hex16, hex32, publish, sleep, startClient, stopClient } from '../../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

const spanById = (id: string): ReceivedSpan => {
  const s = server.received.spans.find((x) => x.spanId === id);
  if (s === undefined) throw new Error(`span ${id} not received`);
  return s;
};

describe('OTLP export: every field reaches its attribute', () => {
  it('maps trace, span, generation, event and typed observations', async () => {
    const { client } = startClient(server, { environment: 'test', release: 'rel-9' });
    const t0 = Date.parse('2025-03-01T10:00:00.000Z');
    publish('trace', {
      id: 'trace-all',
      name: 'chat-request',
      userId: 'user-1',
      sessionId: 'session-1',
      input: { question: 'why?' },
      output: 'because',
      metadata: { tenant: 'acme' },
      tags: ['a', 'b'],
      public: true,
      release: 'trace-release',
      version: 'trace-v',
      environment: 'staging',
    });
    publish('span', {
      traceId: 'trace-all',
      id: 'root',
      name: 'handle',
      startTime: new Date(t0),
      endTime: t0 + 250.5,
      input: 'plain text',
      output: { ok: true },
      metadata: { route: '/chat' },
      level: 'WARNING',
      statusMessage: 'slow',
    });
    publish('generation', {
      traceId: 'trace-all',
      parentObservationId: 'root',
      id: 'gen',
      name: 'llm',
      startTime: '2025-03-01T10:00:00.010Z',
      endTime: '2025-03-01T10:00:00.200Z',
      model: 'gpt-4o',
      modelParameters: { temperature: 0.2, stop: ['x'], json: true, seed: null },
      usageDetails: { input: 12, output: 34 },
      costDetails: { input: 0.001, output: 0.002 },
      completionStartTime: new Date(t0 + 50),
      promptName: 'chat-prompt',
      promptVersion: 3,
      level: 'ERROR',
      statusMessage: 'rate limited',
      version: 'gen-v',
      environment: 'gen-env',
    });
    publish('event', {
      traceId: 'trace-all',
      parentObservationId: 'root',
      id: 'evt',
      name: 'cache-miss',
      startTime: t0 + 5,
      input: [1, 2],
    });
    publish('span', {
      traceId: 'trace-all',
      parentObservationId: 'root',
      id: 'tool',
      type: 'tool',
      name: 'search',
      startTime: t0 + 1,
      endTime: t0 + 2,
    });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 5, delivered: 5, pending: 0 });

    const traceId = toTraceId('trace-all');
    const spans = server.received.spans;
    expect(spans).toHaveLength(4); // the trace rides on the root: no extra span
    for (const s of spans) expect(s.traceId).toBe(traceId);

    const root = spanById(toSpanId('root'));
    expect(root.parentSpanId).toBeUndefined();
    expect(root.name).toBe('handle');
    expect(root.startTimeUnixNano).toBe(`${t0}000000`);
    expect(root.endTimeUnixNano).toBe(`${t0 + 250}500000`);
    expect(root.kind).toBe(1);
    expect(root.status.code).toBe(0);
    expect(root.attributes).toMatchObject({
      'langfuse.observation.type': 'span',
      'langfuse.observation.input': 'plain text',
      'langfuse.observation.output': '{"ok":true}',
      'langfuse.observation.metadata': '{"route":"/chat"}',
      'langfuse.observation.level': 'WARNING',
      'langfuse.observation.status_message': 'slow',
      'langfuse.trace.name': 'chat-request',
      'langfuse.trace.input': '{"question":"why?"}',
      'langfuse.trace.output': 'because',
      'langfuse.trace.metadata': '{"tenant":"acme"}',
      'user.id': 'user-1',
      'session.id': 'session-1',
      'langfuse.trace.tags': ['a', 'b'],
      'langfuse.trace.public': true,
      'langfuse.release': 'trace-release',
      'langfuse.version': 'trace-v',
      'langfuse.environment': 'staging',
    });
    expect(root.resource).toMatchObject({
      'telemetry.sdk.name': 'fusewire',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': SDK_VERSION,
      'langfuse.environment': 'test',
      'langfuse.release': 'rel-9',
    });
    expect(typeof root.resource['service.name']).toBe('string');
    expect(root.scope.name.startsWith('langfuse-sdk')).toBe(true);

    const gen = spanById(toSpanId('gen'));
    expect(gen.parentSpanId).toBe(toSpanId('root'));
    expect(gen.status).toEqual({ code: 2, message: 'rate limited' });
    expect(gen.attributes).toMatchObject({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o',
      'langfuse.observation.level': 'ERROR',
      'langfuse.observation.status_message': 'rate limited',
      'langfuse.observation.prompt.name': 'chat-prompt',
      'langfuse.observation.prompt.version': 3,
      'langfuse.observation.completion_start_time': new Date(t0 + 50).toISOString(),
      'langfuse.version': 'gen-v',
      // One trace, one environment (Langfuse v4 splits a trace whose rows disagree): the trace's wins.
      'langfuse.environment': 'staging',
      // Every span carries the trace's fields (v4 aggregates them over all rows).
      'langfuse.trace.name': 'chat-request',
      'user.id': 'user-1',
      'langfuse.trace.tags': ['a', 'b'],
      'langfuse.release': 'trace-release',
    });
    expect(JSON.parse(gen.attributes['langfuse.observation.model.parameters'] as string)).toEqual({
      temperature: 0.2,
      stop: ['x'],
      json: true,
      seed: null,
    });
    expect(JSON.parse(gen.attributes['langfuse.observation.usage_details'] as string)).toEqual({
      input: 12,
      output: 34,
    });
    expect(JSON.parse(gen.attributes['langfuse.observation.cost_details'] as string)).toEqual({
      input: 0.001,
      output: 0.002,
    });
    expect(gen.startTimeUnixNano).toBe(`${t0 + 10}000000`);
    expect(gen.attributes['langfuse.trace.input']).toBeUndefined(); // trace I/O rides on roots only

    const evt = spanById(toSpanId('evt'));
    expect(evt.attributes['langfuse.observation.type']).toBe('event');
    expect(evt.attributes['langfuse.observation.input']).toBe('[1,2]');
    expect(evt.endTimeUnixNano).toBe(evt.startTimeUnixNano);

    expect(spanById(toSpanId('tool')).attributes['langfuse.observation.type']).toBe('tool');

    const [trace] = server.received.traces();
    expect(trace).toMatchObject({
      id: traceId,
      name: 'chat-request',
      userId: 'user-1',
      sessionId: 'session-1',
      tags: ['a', 'b'],
    });
    expect(trace!.roots).toHaveLength(1);
    expect(trace!.roots[0]!.children.map((c) => c.name).sort()).toEqual(['cache-miss', 'llm', 'search']);
  });

  it.each([
    ['protobuf', 'none', 'application/x-protobuf'],
    ['json', 'none', 'application/json'],
    ['protobuf', 'gzip', 'application/x-protobuf'],
    ['json', 'gzip', 'application/json'],
  ] as const)(
    'sends the SDK headers and the export marker (%s, compression %s)',
    async (otlpEncoding, compression, contentType) => {
      const { client } = startClient(server, { otlpEncoding, compression });
      // Large enough to be worth compressing (small bodies go as they are).
      publish('span', { name: 'x', input: 'a'.repeat(5_000) });
      await client.flush();
      const [request] = server.received.requests;
      expect(request!.endpoint).toBe('otlp');
      expect(server.received.spans.map((s) => s.name)).toEqual(['x']);
      expect(request!.headers['content-encoding']).toBe(compression === 'gzip' ? 'gzip' : undefined);
      if (compression === 'gzip') expect(request!.bytes).toBeLessThan(1_000);
      expect(request!.headers).toMatchObject({
        'content-type': contentType,
        'x-langfuse-sdk-name': 'fusewire',
        'x-langfuse-sdk-version': SDK_VERSION,
        'x-langfuse-public-key': server.publicKey,
        'x-fusewire-export': '1',
      });
    },
  );

  it('sends scores to /api/public/ingestion as score-create even in OTLP mode', async () => {
    const { client } = startClient(server, { environment: 'test' });
    publish('span', { traceId: 'scored', id: 'obs', name: 'root' });
    publish('score', {
      traceId: 'scored',
      observationId: 'obs',
      name: 'quality',
      value: 0.9,
      comment: 'nice',
      metadata: { by: 'judge' },
    });
    publish('score', { sessionId: 'session-7', name: 'csat', value: 'happy' });
    publish('score', { traceId: 'scored', name: 'passed', value: 1, dataType: 'BOOLEAN', id: 'score-fixed-id' });
    const stats = await client.flush();
    expect(stats.delivered).toBe(4);
    const endpoints = server.received.requests.map((r) => r.endpoint).sort();
    expect(endpoints).toEqual(['ingestion', 'otlp']);
    const events = server.received.events;
    expect(events.map((e) => e.type)).toEqual(['score-create', 'score-create', 'score-create']);
    const [quality, csat, passed] = events.map((e) => e.body);
    expect(quality).toMatchObject({
      traceId: toTraceId('scored'),
      observationId: toSpanId('obs'),
      name: 'quality',
      value: 0.9,
      dataType: 'NUMERIC',
      comment: 'nice',
      metadata: { by: 'judge' },
      environment: 'test',
    });
    expect(typeof quality!.id).toBe('string');
    expect(csat).toMatchObject({ sessionId: 'session-7', value: 'happy', dataType: 'CATEGORICAL' });
    expect(csat!.traceId).toBeUndefined();
    expect(passed).toMatchObject({ id: 'score-fixed-id', dataType: 'BOOLEAN', value: 1 });
    expect(
      server.received
        .traces()
        .find((t) => t.id === toTraceId('scored'))!
        .scores.map((s) => s.name)
        .sort(),
    ).toEqual(['passed', 'quality']);
  });

  it('takes trace and parent from the context store when the message has none', async () => {
    const { client } = startClient(server);
    const traceId = hex32(0xabc);
    const parent = hex16(0xdef);
    globalState().storage.run({ traceId, observationId: parent }, () => {
      publish('span', { id: 'child', name: 'inside' });
      publish('score', { name: 'in-context', value: 1 });
    });
    await client.flush();
    const child = spanById(toSpanId('child'));
    expect(child.traceId).toBe(traceId);
    expect(child.parentSpanId).toBe(parent);
    expect(server.received.events[0]!.body.traceId).toBe(traceId);
  });
});

describe('id mapping', () => {
  it('keeps hex, lowers uppercase hex, hashes the rest, and groups equal ids into one trace', async () => {
    const { client } = startClient(server);
    const upper = 'ABCDEF0123456789ABCDEF0123456789';
    publish('span', { traceId: upper, id: 'ABCDEF0123456789', name: 'upper' });
    publish('span', { traceId: hex32(1), id: hex16(2), name: 'hex' });
    publish('span', { traceId: 'order-42', id: 'first', name: 'a' });
    publish('span', { traceId: 'order-42', id: 'second', name: 'b' });
    await client.flush();
    expect(spanById('abcdef0123456789').traceId).toBe(upper.toLowerCase());
    expect(spanById(hex16(2)).traceId).toBe(hex32(1));
    const a = spanById(toSpanId('first'));
    const b = spanById(toSpanId('second'));
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.traceId).toBe(b.traceId);
    expect(a.traceId).toBe(toTraceId('order-42'));
    expect(server.received.traces()).toHaveLength(3);
  });
});

describe('trace merge', () => {
  it('merges a name published first and an output published later into the root, with no extra span', async () => {
    // holdMs follows flushIntervalMs: 100 ms leaves room to publish the span while the name waits.
    const { client } = startClient(server, { flushIntervalMs: 100 });
    publish('trace', { id: 'merge', name: 'merged-trace', input: 'question' });
    await sleep(130); // one tick: the lone trace update is held, waiting for its root
    expect(server.received.spans).toHaveLength(0);
    publish('span', { traceId: 'merge', id: 'root', name: 'root-span', input: 'root input', metadata: { keep: 1 } });
    publish('span', { traceId: 'merge', parentObservationId: 'root', id: 'child', name: 'child-span' });
    await server.waitFor((r) => r.spans.length >= 2);
    const root = spanById(toSpanId('root'));
    expect(root.attributes['langfuse.trace.name']).toBe('merged-trace');
    expect(root.attributes['langfuse.trace.input']).toBe('question');
    publish('trace', { id: 'merge', output: 'answer' });
    await server.waitFor((r) => r.spans.length >= 3);
    const stats = await client.flush();
    expect(stats.delivered).toBe(4);
    // The update re-sent the root (same span id, same times), so Langfuse upserts instead of adding.
    expect(server.received.uniqueSpanCount).toBe(2);
    expect(server.received.spanIds().get(toSpanId('root'))).toBe(2);
    expect(server.received.spanIds().has(traceCarrierSpanId(toTraceId('merge')))).toBe(false);
    const resent = server.received.spans[2]!;
    expect(resent.spanId).toBe(root.spanId);
    expect(resent.startTimeUnixNano).toBe(root.startTimeUnixNano);
    expect(resent.endTimeUnixNano).toBe(root.endTimeUnixNano);
    expect(resent.name).toBe('root-span');
    expect(resent.attributes['langfuse.observation.input']).toBe('root input');
    expect(resent.attributes['langfuse.trace.output']).toBe('answer');
    expect(resent.attributes['langfuse.trace.name']).toBe('merged-trace');
    const [trace] = server.received.traces();
    // v4 shows the root observation's input (it has its own) and the trace output it lacked.
    expect(trace).toMatchObject({ name: 'merged-trace', input: 'root input', output: 'answer' });
    expect(trace!.observations).toHaveLength(2);
  });

  it('re-sending the root for a late trace update restates the whole root observation', async () => {
    const { client } = startClient(server);
    const prompt = 'q'.repeat(6_000);
    publish('generation', {
      traceId: 'late',
      id: 'root-gen',
      name: 'llm',
      input: prompt,
      output: { answer: 42 },
      metadata: { route: '/x' },
      level: 'ERROR',
      statusMessage: 'upstream 500',
      model: 'gpt-4o',
      usageDetails: { input: 7, output: 9 },
      version: 'v3',
    });
    await client.flush();
    publish('generation', {
      traceId: 'late',
      id: 'root-gen',
      name: 'llm',
      input: prompt,
      output: 'final',
      level: 'ERROR',
      model: 'gpt-4o',
    });
    await client.flush();
    publish('trace', { id: 'late', output: 'set after the root ended' });
    await client.flush();
    const sent = server.received.spans.filter((s) => s.spanId === toSpanId('root-gen'));
    expect(sent).toHaveLength(3);
    const [, second, resent] = sent;
    // Everything the root said last time, plus the trace update.
    const { 'langfuse.trace.output': traceOutput, ...rest } = resent!.attributes;
    expect(traceOutput).toBe('set after the root ended');
    expect(rest).toEqual(second!.attributes);
    expect(resent!.status).toEqual(second!.status);
    expect(resent!.name).toBe('llm');
    expect(resent!.startTimeUnixNano).toBe(second!.startTimeUnixNano);
    const root = server.received.traces()[0]!.roots[0]!;
    expect(root).toMatchObject({ type: 'generation', level: 'ERROR', model: 'gpt-4o', output: 'final' });
    expect(root.input).toBe(prompt);
  });

  it('all in one batch: the trace rides on the root span', async () => {
    const { client } = startClient(server);
    publish('trace', { id: 'one-batch', name: 'first' });
    publish('span', { traceId: 'one-batch', id: 'r', name: 'root' });
    publish('trace', { id: 'one-batch', output: 'later' });
    await client.flush();
    expect(server.received.spans).toHaveLength(1);
    expect(server.received.spans[0]!.attributes).toMatchObject({
      'langfuse.trace.name': 'first',
      'langfuse.trace.output': 'later',
    });
  });

  it('sends no carrier span: a lone trace update is held, then dead-lettered with a hint', async () => {
    const { client, logger } = startClient(server, { flushIntervalMs: 30 });
    publish('trace', { id: 'lonely', name: 'lonely-trace', userId: 'u-9' });
    await sleep(150);
    const stats = await client.flush();
    expect(server.received.spans).toHaveLength(0);
    expect(stats.dropped.invalid).toBe(1);
    expect(client.deadLetters()[0]).toMatchObject({ reason: 'invalid' });
    expect(client.deadLetters()[0]!.message).toContain('Langfuse v4 builds a trace from its observations only');
    expect(logger.text()).toContain('observations only');
    expectBalanced(stats);
  });

  it('flush does not wait for the hold: a lone trace update is refused at once', async () => {
    const { client } = startClient(server, { flushIntervalMs: 60_000 });
    publish('trace', { id: 'flushed', name: 'n' });
    const stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 0, pending: 0 });
    expect(stats.dropped.invalid).toBe(1);
    expect(server.received.spans).toHaveLength(0);
  });
});
