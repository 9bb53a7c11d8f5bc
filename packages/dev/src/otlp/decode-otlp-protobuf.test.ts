import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeOtlpProtobuf, encodeOtlpProtobuf } from './decode-otlp-protobuf.js';

const request = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'app' } }] },
      scopeSpans: [
        {
          scope: { name: 'fusewire', version: '0.1.0' },
          spans: [
            {
              traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
              spanId: '00f067aa0ba902b7',
              parentSpanId: '1111111111111111',
              name: 'chat',
              kind: 1,
              startTimeUnixNano: '1764576000123456789',
              endTimeUnixNano: '1764576000223456789',
              attributes: [
                { key: 'langfuse.observation.type', value: { stringValue: 'generation' } },
                { key: 'n', value: { intValue: '42' } },
                { key: 'f', value: { doubleValue: 0.5 } },
                { key: 'b', value: { boolValue: true } },
                { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
              ],
              events: [{ name: 'exception', timeUnixNano: '1764576000200000000', attributes: [] }],
              status: { code: 2, message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
};

describe('decodeOtlpProtobuf', () => {
  it('reads a binary request into the OTLP/JSON shape, ids as hex and nanoseconds exact', () => {
    const decoded = decodeOtlpProtobuf(encodeOtlpProtobuf(request)) as typeof request;
    const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.spanId).toBe('00f067aa0ba902b7');
    expect(span.parentSpanId).toBe('1111111111111111');
    expect(span.startTimeUnixNano).toBe('1764576000123456789');
    expect(span.status).toEqual({ code: 2, message: 'boom' });
    expect(span.attributes).toEqual(request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes);
    expect(decoded.resourceSpans[0]!.resource).toEqual(request.resourceSpans[0]!.resource);
  });

  it('matches the field numbers of the OTLP spec, byte for byte', () => {
    // Span.trace_id = 1 (bytes), name = 5, start_time_unix_nano = 7 (fixed64), written by hand.
    const span = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'))
      .uint32((5 << 3) | 2)
      .string('root')
      .uint32((7 << 3) | 1)
      .fixed64(1000)
      .finish();
    const scopeSpans = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(span)
      .finish();
    const resourceSpans = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(scopeSpans)
      .finish();
    const body = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(resourceSpans)
      .finish();
    expect(decodeOtlpProtobuf(body)).toEqual({
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', name: 'root', startTimeUnixNano: '1000' }] },
          ],
        },
      ],
    });
  });

  it('throws on bytes that are no message', () => {
    expect(() => decodeOtlpProtobuf(Buffer.from([0x0a, 0xff, 0xff, 0xff]))).toThrow();
  });
});
