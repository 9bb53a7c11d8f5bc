import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { encodeOtlpProtobuf } from './otlp-protobuf.js';
import { startLangfuseServer } from './start-langfuse-server.js';
import { CHILD_ID, ROOT_ID, TRACE_ID, otlpBody, postOtlp, span, json } from './test-support.js';

const server = await startLangfuseServer();
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('POST /api/public/otel/v1/traces', () => {
  it('accepts OTLP/JSON and records decoded spans', async () => {
    const body = otlpBody([
      span({
        spanId: CHILD_ID,
        parentSpanId: ROOT_ID,
        name: 'chat',
        attributes: {
          'langfuse.observation.type': 'generation',
          tokens: 12,
          temperature: 0.5,
          stream: false,
          tags: ['a', 'b'],
        },
        status: { code: 2, message: 'boom' },
      }),
    ]);
    const res = await postOtlp(server, body);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({});
    expect(server.received.spans).toEqual([
      {
        traceId: TRACE_ID,
        spanId: CHILD_ID,
        parentSpanId: ROOT_ID,
        name: 'chat',
        kind: 1,
        startTimeUnixNano: '1700000000000000000',
        endTimeUnixNano: '1700000000010000000',
        status: { code: 2, message: 'boom' },
        attributes: {
          'langfuse.observation.type': 'generation',
          tokens: 12,
          temperature: 0.5,
          stream: false,
          tags: ['a', 'b'],
        },
        events: [],
        resource: { 'service.name': 'test-app' },
        scope: { name: 'fusewire', version: '0.1.0' },
      },
    ]);
    expect(server.received.requests[0]?.body).toEqual(body);
  });

  it('decodes kvlist values and treats an empty parentSpanId as a root', async () => {
    const s = span({ spanId: ROOT_ID });
    s.parentSpanId = '';
    s.attributes = [{ key: 'obj', value: { kvlistValue: { values: [{ key: 'k', value: { intValue: '7' } }] } } }];
    expect((await postOtlp(server, otlpBody([s]))).status).toBe(200);
    expect(server.received.spans[0]).not.toHaveProperty('parentSpanId');
    expect(server.received.spans[0]?.attributes).toEqual({ obj: { k: 7 } });
  });

  it.each([
    ['uppercase traceId', { traceId: TRACE_ID.toUpperCase() }, /traceId/],
    ['short spanId', { spanId: 'abc' }, /spanId/],
    ['missing spanId', { spanId: undefined }, /spanId must be 16 lowercase hex characters \(missing\)/],
    ['bad parentSpanId', { parentSpanId: 'xyz' }, /parentSpanId/],
    ['attributes not a list', { attributes: { a: 1 } }, /attributes must be a list/],
    ['events not a list', { events: {} }, /events must be a list/],
  ])('one malformed span (%s) rejects the whole request', async (_label, patch, message) => {
    const good = span({ spanId: ROOT_ID });
    const bad = { ...span({ spanId: CHILD_ID }), ...patch };
    const res = await postOtlp(server, otlpBody([good, bad]));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(message);
    expect(server.received.spans).toHaveLength(0);
    expect(server.received.counts).toMatchObject({ spans: 0, rejected: 1 });
    expect(server.received.requests[0]).toMatchObject({ status: 400, eventCount: 2 });
  });

  it('rejects a body without resourceSpans, bad JSON and wrong content types', async () => {
    expect((await postOtlp(server, { spans: [] })).status).toBe(400);
    expect((await postOtlp(server, null, { raw: '{nope' })).status).toBe(400);
    expect((await postOtlp(server, {}, { headers: { 'content-type': 'text/plain' } })).status).toBe(400);
    // A length that runs past the end: not an ExportTraceServiceRequest.
    const proto = await postOtlp(server, null, {
      raw: new Uint8Array([0x0a, 0x05, 0x01]),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(proto.status).toBe(400);
    expect((await json(proto)).message).toMatch(/Invalid protobuf body/);
  });

  it.each([false, true])('accepts protobuf (gzip: %s) and stores the same spans as for OTLP/JSON', async (gzip) => {
    const body = otlpBody([
      span({ spanId: ROOT_ID, attributes: { 'langfuse.observation.type': 'span', n: 1.5, ok: true, tags: ['a'] } }),
      span({ spanId: CHILD_ID, parentSpanId: ROOT_ID, status: { code: 2, message: 'boom' } }),
    ]);
    expect((await postOtlp(server, body)).status).toBe(200);
    const fromJson = server.received.spans;
    server.reset();
    const bytes = encodeOtlpProtobuf(body);
    const res = await postOtlp(server, null, {
      raw: gzip ? gzipSync(bytes) : bytes,
      headers: { 'content-type': 'application/x-protobuf', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    });
    expect(res.status).toBe(200);
    expect(server.received.spans).toHaveLength(2);
    expect(server.received.spans).toEqual(fromJson);
  });

  it('accepts gzip', async () => {
    const res = await postOtlp(server, otlpBody([span({ spanId: ROOT_ID })]), { gzip: true });
    expect(res.status).toBe(200);
    expect(server.received.spans).toHaveLength(1);
    expect(server.received.requests[0]?.headers['content-encoding']).toBe('gzip');
    expect((await postOtlp(server, null, { raw: 'not gzip', headers: { 'content-encoding': 'gzip' } })).status).toBe(
      400,
    );
  });

  it('counts duplicates by spanId', async () => {
    const body = otlpBody([span({ spanId: ROOT_ID }), span({ spanId: CHILD_ID, parentSpanId: ROOT_ID })]);
    await postOtlp(server, body);
    await postOtlp(server, body);
    await postOtlp(server, otlpBody([span({ spanId: ROOT_ID })]));
    const r = server.received;
    expect(r.counts).toMatchObject({ spans: 5, uniqueSpans: 2, duplicateSpans: 2 });
    expect(r.duplicates()).toEqual({ spans: 2, events: 0 });
    expect(r.uniqueSpanCount).toBe(2);
    expect(r.spanIds().get(ROOT_ID)).toBe(3);
    expect(r.traces()[0]?.observations).toHaveLength(2);
  });
});
