import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * OTLP protobuf, read against the official opentelemetry-proto definitions (the `.proto` files an
 * OpenTelemetry JS package ships; none are copied here), so a test of fusewire's hand-written encoder
 * checks it against the specification rather than against a second copy of our own reading of it.
 */
const PROTOS_PACKAGE = '@opentelemetry/otlp-grpc-exporter-base';

/** The folder of the official `.proto` files: found on first use, so a JSON-only run never needs them. */
function protosFolder(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve(PROTOS_PACKAGE)), '..', 'protos');
  } catch {
    throw new Error(
      `the official OTLP .proto files (${PROTOS_PACKAGE}, a dependency of @fusewire/test-server) are not installed: run npm install`,
    );
  }
}
const REQUEST = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';

let requestType: protobuf.Type | undefined;

/** The `ExportTraceServiceRequest` type, loaded once from the official `.proto` files. */
export function otlpTraceRequestType(): protobuf.Type {
  if (requestType === undefined) {
    const protos = protosFolder();
    const root = new protobuf.Root();
    // Imports name files from the proto root ("opentelemetry/proto/common/v1/common.proto").
    root.resolvePath = (_origin, target) => join(protos, target);
    root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
    requestType = root.lookupType(REQUEST);
  }
  return requestType;
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP/JSON's spelling: ids as lowercase hex, other bytes as base64, 64-bit integers as decimal strings. */
function toOtlpJson(value: unknown, key?: string): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(
      key !== undefined && ID_FIELDS.has(key) ? 'hex' : 'base64',
    );
  }
  if (Array.isArray(value)) return value.map((item) => toOtlpJson(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toOtlpJson(v, k);
    return out;
  }
  return value;
}

function fromOtlpJson(value: unknown, key?: string): unknown {
  if (typeof value === 'string' && key !== undefined && ID_FIELDS.has(key)) return Buffer.from(value, 'hex');
  if (Array.isArray(value)) return value.map((item) => fromOtlpJson(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromOtlpJson(v, k);
    return out;
  }
  return value;
}

/**
 * Decodes a binary `ExportTraceServiceRequest` into the OTLP/JSON shape (`resourceSpans`, hex ids,
 * nanoseconds as strings, enums as numbers, fields at their default left out), so one code path reads
 * both encodings. Throws on bytes that are not a valid message.
 *
 * @example
 * ```ts
 * const request = decodeOtlpProtobuf(body) as { resourceSpans: unknown[] };
 * ```
 */
export function decodeOtlpProtobuf(body: Uint8Array): unknown {
  const type = otlpTraceRequestType();
  const message = type.decode(body);
  return toOtlpJson(type.toObject(message, { longs: String, enums: Number, bytes: Uint8Array, defaults: false }));
}

/**
 * An OTLP/JSON request as the protobuf decoder would show it (through the official message types:
 * defaults left out, 64-bit integers as strings): what {@link decodeOtlpProtobuf} of the same content
 * returns, for comparing the two encodings field for field.
 */
export function canonicalOtlpJson(request: unknown): unknown {
  const type = otlpTraceRequestType();
  const message = type.fromObject(fromOtlpJson(request) as Record<string, unknown>);
  return toOtlpJson(type.toObject(message, { longs: String, enums: Number, bytes: Uint8Array, defaults: false }));
}

/** Encodes an OTLP/JSON request as protobuf through the official message types (for tests). */
export function encodeOtlpProtobuf(request: unknown): Uint8Array {
  const type = otlpTraceRequestType();
  return type.encode(type.fromObject(fromOtlpJson(request) as Record<string, unknown>)).finish();
}
