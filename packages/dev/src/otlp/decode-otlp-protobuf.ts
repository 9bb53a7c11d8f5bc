import protobuf from 'protobufjs';
import { OTLP_TRACE_SCHEMA } from './otlp-proto-schema.js';

let requestType: protobuf.Type | undefined;

function exportRequestType(): protobuf.Type {
  requestType ??= protobuf.Root.fromJSON(OTLP_TRACE_SCHEMA as unknown as protobuf.INamespace).lookupType(
    'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  );
  return requestType;
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP/JSON spells ids as lowercase hex and 64-bit integers as decimal strings: make protobuf look the same. */
function toOtlpJson(value: unknown, key?: string): unknown {
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(
      key && ID_FIELDS.has(key) ? 'hex' : 'base64',
    );
    return hex;
  }
  if (Array.isArray(value)) return value.map((item) => toOtlpJson(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toOtlpJson(v, k);
    return out;
  }
  return value;
}

/**
 * Decode a binary `ExportTraceServiceRequest` into the OTLP/JSON shape (`resourceSpans`, hex ids,
 * nanoseconds as strings, enums as numbers), so one code path reads both encodings.
 * Throws on bytes that are not a valid message; the caller answers 400.
 */
export function decodeOtlpProtobuf(body: Uint8Array): unknown {
  const type = exportRequestType();
  const message = type.decode(body);
  const object = type.toObject(message, { longs: String, enums: Number, bytes: Uint8Array, defaults: false });
  return toOtlpJson(object);
}

/** Encode an OTLP/JSON request as protobuf: for tests, and for forwarding a JSON request as it came. */
export function encodeOtlpProtobuf(request: unknown): Uint8Array {
  const type = exportRequestType();
  return type.encode(type.fromObject(fromOtlpJson(request) as Record<string, unknown>)).finish();
}

function fromOtlpJson(value: unknown, key?: string): unknown {
  if (typeof value === 'string' && key && ID_FIELDS.has(key)) return Buffer.from(value, 'hex');
  if (Array.isArray(value)) return value.map((item) => fromOtlpJson(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromOtlpJson(v, k);
    return out;
  }
  return value;
}
