import { canonicalOtlpJson, decodeOtlpProtobuf, otlpTraceRequestType } from '@fusewire/test-server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExportRecord } from '../../model/records.js';
import { normalize } from '../../pipeline/normalize.js';
import { assembleRequest } from '../export-request.js';
import { OtlpExporter } from './otlp-exporter.js';

// The hand-written protobuf encoder against the official opentelemetry-proto definitions: for any
// records, its bytes decode (protobufjs, official .proto files) to exactly what the OTLP/JSON encoder
// writes for the same records, read through the same message types.

function record(kind: string, message: Record<string, unknown>): ExportRecord | undefined {
  const result = normalize({ kind, message, acceptedAt: 1_700_000_000_000, context: undefined, bytes: 0, epoch: 0 }, 1);
  return result.ok ? result.record : undefined;
}

const exporter = (encoding: 'json' | 'protobuf') =>
  new OtlpExporter({
    sdkVersion: '1.2.3',
    serviceName: 'svc-ü',
    environment: 'prod',
    release: 'r1',
    holdMs: 0,
    encoding,
  });

/** Both encodings of the same records, as the official protobuf types read them. */
async function bothEncodings(records: ExportRecord[]) {
  // Each exporter remembers traces: give each its own copy of the records, in the same order.
  const copies = records.map((r) => structuredClone(r));
  const json = await exporter('json').encode(records);
  const protobuf = await exporter('protobuf').encode(copies);
  expect(protobuf.contentType).toBe('application/x-protobuf');
  expect(json.contentType).toBe('application/json');
  expect(protobuf.invalid?.length).toBe(json.invalid?.length);
  return {
    fromProtobuf: decodeOtlpProtobuf(protobuf.body as Uint8Array),
    fromJson: canonicalOtlpJson(JSON.parse(Buffer.from(json.body).toString('utf8'))),
    bytes: { json: json.body.length, protobuf: protobuf.body.length },
  };
}

// Text of every kind: ASCII, multi-byte, astral, escapes, and lengths around the varint boundaries.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom(
    '',
    '"\\\n\u0001',
    'x'.repeat(127),
    'x'.repeat(128),
    'é'.repeat(42),
    'x'.repeat(16_384),
    '😀'.repeat(70),
    // Around the lengths a string value is written in one pass, its UTF-8 length filled in after.
    'é'.repeat(130),
    'x'.repeat(5_440),
    '日'.repeat(5_440),
    'ü'.repeat(5_470),
  ),
);
const json = fc.oneof(text, fc.jsonValue({ maxDepth: 3 }));
const time = fc.double({ min: 1e12, max: 4e12, noNaN: true });
const id = fc.constantFrom('a', 'b', 'c', 'd');

const observation = fc
  .record(
    {
      type: fc.constantFrom('span', 'generation', 'event', 'tool', 'agent'),
      traceId: id,
      id: fc.string({ minLength: 1, maxLength: 8 }),
      parentObservationId: fc.constantFrom('p1', 'p2'),
      name: text,
      startTime: time,
      endTime: time,
      input: json,
      output: json,
      metadata: json,
      level: fc.constantFrom('DEFAULT', 'DEBUG', 'WARNING', 'ERROR'),
      statusMessage: text,
      version: text,
      environment: fc.constantFrom('staging', 'Not Valid', 'langfuse-x'),
      model: text,
      modelParameters: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.double({ noNaN: true }))),
      usageDetails: fc.dictionary(fc.string({ maxLength: 5 }), fc.nat()),
      costDetails: fc.dictionary(fc.string({ maxLength: 5 }), fc.double({ min: 0, max: 10, noNaN: true })),
      completionStartTime: time,
      prompt: fc.tuple(text, fc.integer({ min: -5, max: 1_000_000 })),
    },
    { requiredKeys: ['type', 'traceId', 'id'] },
  )
  .map(({ prompt, ...m }) => (prompt === undefined ? m : { ...m, promptName: prompt[0], promptVersion: prompt[1] }));

const trace = fc.record(
  {
    id,
    name: text,
    userId: text,
    sessionId: text,
    input: json,
    output: json,
    metadata: json,
    tags: fc.array(text, { maxLength: 4 }),
    public: fc.boolean(),
    release: text,
    version: text,
    environment: fc.constantFrom('prod', 'dev'),
  },
  { requiredKeys: ['id'] },
);

const message = fc.oneof(
  { weight: 3, arbitrary: observation.map((m) => ({ kind: m.type, m: m as Record<string, unknown> })) },
  { weight: 1, arbitrary: trace.map((m) => ({ kind: 'trace', m: m as Record<string, unknown> })) },
);

describe('OTLP protobuf encoder, read with the official opentelemetry-proto definitions', () => {
  it('loads the official ExportTraceServiceRequest', () => {
    expect(otlpTraceRequestType().fullName).toBe('.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  });

  it('decodes to exactly what OTLP/JSON says for the same records, field for field', async () => {
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 12 }), async (messages) => {
        const records = messages.map(({ kind, m }) => record(kind, m)).filter((r) => r !== undefined);
        valid += records.length;
        fc.pre(records.length > 0);
        const { fromProtobuf, fromJson } = await bothEncodings(records);
        expect(fromProtobuf).toEqual(fromJson);
      }),
      { numRuns: 150 },
    );
    // The generators make records normalisation keeps (a test of nothing otherwise).
    expect(valid).toBeGreaterThan(600);
  });

  it('writes nanosecond times, trace fields, resource, scope and status as OTLP/JSON does, in fewer bytes', async () => {
    const records = [
      record('trace', { id: 't', name: 'chat', userId: 'u', tags: ['a', 'b'], input: { q: 'why?' } }),
      record('span', { traceId: 't', id: 'root', name: 'root', startTime: 1_700_000_000_123.5 }),
      record('generation', {
        traceId: 't',
        id: 'gen',
        parentObservationId: 'root',
        model: 'gpt-4o',
        usageDetails: { input: 10, output: 20 },
        level: 'ERROR',
        statusMessage: 'boom',
        promptName: 'p',
        promptVersion: 3,
        startTime: 1_000.999_999_9, // rounds up into the next millisecond
      }),
    ].filter((r) => r !== undefined);
    const { fromProtobuf, fromJson, bytes } = await bothEncodings(records);
    expect(fromProtobuf).toEqual(fromJson);
    const request = fromProtobuf as any;
    const [root, gen] = request.resourceSpans[0].scopeSpans[0].spans;
    expect(records).toHaveLength(3);
    expect(root.startTimeUnixNano).toBe('1700000000123500000');
    expect(gen.startTimeUnixNano).toBe('1001000000');
    expect(gen.status).toEqual({ code: 2, message: 'boom' });
    expect(root.attributes.find((a: any) => a.key === 'langfuse.trace.tags').value).toEqual({
      arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] },
    });
    expect(request.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: 'langfuse-sdk-fusewire', version: '1.2.3' });
    expect(request.resourceSpans[0].resource.attributes[0]).toEqual({
      key: 'service.name',
      value: { stringValue: 'svc-ü' },
    });
    expect(bytes.protobuf).toBeLessThan(bytes.json * 0.8);
  });

  it('refuses a span whose id is not hex alone, and sends the rest', async () => {
    const bad = record('span', { traceId: 't', id: 'x' })!;
    (bad as { id: string }).id = 'zz'.repeat(8);
    const good = record('span', { traceId: 't', id: 'y' })!;
    const { fromProtobuf } = await bothEncodings([good]);
    const refused: ExportRecord[] = [];
    const assembled = await assembleRequest(exporter('protobuf'), [bad, good], (r) => refused.push(r));
    expect(assembled?.records).toEqual([good]);
    expect(refused).toEqual([bad]);
    expect(
      (decodeOtlpProtobuf(assembled!.request.body as Uint8Array) as any).resourceSpans[0].scopeSpans[0].spans,
    ).toEqual((fromProtobuf as any).resourceSpans[0].scopeSpans[0].spans);
  });
});
