import type { ObservationRecord } from '../../model/records.js';
import { type AttributeSink, observationAttributes, resourceAttributes, traceAttributes } from './otlp-attributes.js';
import { ProtoWriter, varintAt, varintBytes, varintSize } from './proto-writer.js';
import type { OtlpSource, SpanEncoder, SpanEncoding } from './span-encoder.js';
import type { TraceState } from './trace-state.js';

// Field tags (field number << 3 | wire type) of opentelemetry-proto v1, the messages a trace export uses.
const KEY_VALUE_KEY = 0x0a; // KeyValue.key = 1
const KEY_VALUE_VALUE = 0x12; // KeyValue.value = 2
const ANY_STRING = 0x0a; // AnyValue.string_value = 1
const ANY_BOOL = 0x10; // AnyValue.bool_value = 2
const ANY_DOUBLE = 0x21; // AnyValue.double_value = 4 (fixed 64-bit)
const ANY_ARRAY = 0x2a; // AnyValue.array_value = 5
const ARRAY_VALUES = 0x0a; // ArrayValue.values = 1
const RESOURCE_ATTRIBUTES = 0x0a; // Resource.attributes = 1
const SPAN_TRACE_ID = 0x0a; // Span.trace_id = 1
const SPAN_SPAN_ID = 0x12; // Span.span_id = 2
const SPAN_PARENT_ID = 0x22; // Span.parent_span_id = 4
const SPAN_NAME = 0x2a; // Span.name = 5
const SPAN_KIND = 0x30; // Span.kind = 6
const SPAN_START = 0x39; // Span.start_time_unix_nano = 7 (fixed64)
const SPAN_END = 0x41; // Span.end_time_unix_nano = 8 (fixed64)
const SPAN_ATTRIBUTES = 0x4a; // Span.attributes = 9
const SPAN_STATUS = 0x7a; // Span.status = 15
const STATUS_MESSAGE = 0x12; // Status.message = 2
const STATUS_CODE = 0x18; // Status.code = 3
const SCOPE_SPANS_SPANS = 0x12; // ScopeSpans.spans = 2
const SPAN_KIND_INTERNAL = 1;
const STATUS_CODE_ERROR = 2;

// Keys are a few dozen constants: each encoded once as its `key` field.
const KEYS = new Map<string, Buffer>();

function keyField(key: string): Buffer {
  let field = KEYS.get(key);
  if (field === undefined) {
    const bytes = Buffer.from(key, 'utf8');
    field = Buffer.from([KEY_VALUE_KEY, ...varintBytes(bytes.length), ...bytes]);
    KEYS.set(key, field);
  }
  return field;
}

/** KeyValue fields (under `tag`: a span's or a resource's attributes) written into a {@link ProtoWriter}. */
class ProtoAttributes implements AttributeSink {
  w: ProtoWriter;
  readonly #tag: number;

  constructor(w: ProtoWriter, tag: number) {
    this.w = w;
    this.#tag = tag;
  }

  str(key: string, value: string): void {
    const w = this.w;
    const k = keyField(key);
    const n = value.length;
    if (n * 3 <= 123 - k.length) {
      // Every length fits one byte whatever the characters: write, then fill the three lengths in.
      w.ensure(k.length + 6 + n * 3);
      const buf = w.buf;
      buf[w.pos++] = this.#tag;
      const kvAt = w.pos++;
      buf.set(k, w.pos);
      w.pos += k.length;
      buf[w.pos++] = KEY_VALUE_VALUE;
      const anyAt = w.pos++;
      buf[w.pos++] = ANY_STRING;
      const strAt = w.pos++;
      const b = w.utf8(value);
      buf[strAt] = b;
      buf[anyAt] = b + 2;
      buf[kvAt] = k.length + 4 + b;
      return;
    }
    if (this.#onePass(k, value)) return;
    const b = Buffer.byteLength(value, 'utf8');
    const any = 1 + varintSize(b) + b;
    w.byte(this.#tag);
    w.varint(k.length + 1 + varintSize(any) + any);
    w.raw(k);
    w.byte(KEY_VALUE_VALUE);
    w.varint(any);
    w.byte(ANY_STRING);
    w.varint(b);
    w.utf8(value);
  }

  /**
   * A long string value written in one pass, its UTF-8 length filled in afterwards: possible when the
   * three lengths take the same bytes whatever the characters (1 to 3 bytes each), as for most
   * payloads (128 to ~5,000 characters). Saves measuring the UTF-8 length first.
   */
  #onePass(k: Buffer, value: string): boolean {
    const n = value.length;
    const s1 = varintSize(n);
    const a1 = 1 + s1 + n;
    const sa = varintSize(a1);
    const sk = varintSize(k.length + 1 + sa + a1);
    const s3 = varintSize(3 * n);
    const a3 = 1 + s3 + 3 * n;
    if (s3 !== s1 || varintSize(a3) !== sa || varintSize(k.length + 1 + sa + a3) !== sk) return false;
    const w = this.w;
    const head = 1 + sk + k.length + 1 + sa + 1 + s1;
    w.ensure(head + 3 * n);
    const at = w.pos;
    const buf = w.buf;
    buf[at] = this.#tag;
    buf.set(k, at + 1 + sk);
    buf[at + 1 + sk + k.length] = KEY_VALUE_VALUE;
    buf[at + 2 + sk + k.length + sa] = ANY_STRING;
    w.pos = at + head;
    const b = w.utf8(value);
    const any = 1 + s1 + b;
    varintAt(buf, at + 1, k.length + 1 + sa + any, sk);
    varintAt(buf, at + 2 + sk + k.length, any, sa);
    varintAt(buf, at + 3 + sk + k.length + sa, b, s1);
    return true;
  }

  dbl(key: string, value: number): void {
    const w = this.w;
    const k = keyField(key);
    w.byte(this.#tag);
    w.varint(k.length + 11);
    w.raw(k);
    w.byte(KEY_VALUE_VALUE);
    w.byte(9);
    w.byte(ANY_DOUBLE);
    w.double(value);
  }

  bool(key: string, value: boolean): void {
    const w = this.w;
    const k = keyField(key);
    w.byte(this.#tag);
    w.varint(k.length + 4);
    w.raw(k);
    w.byte(KEY_VALUE_VALUE);
    w.byte(2);
    w.byte(ANY_BOOL);
    w.byte(value ? 1 : 0);
  }

  strings(key: string, values: readonly string[]): void {
    const w = this.w;
    const kv = w.open(this.#tag);
    w.raw(keyField(key));
    const any = w.open(KEY_VALUE_VALUE);
    const array = w.open(ANY_ARRAY);
    for (const v of values) {
      const item = w.open(ARRAY_VALUES);
      w.string(ANY_STRING, v);
      w.close(item);
    }
    w.close(array);
    w.close(any);
    w.close(kv);
  }
}

class ProtobufSpanEncoder implements SpanEncoder {
  readonly #w: ProtoWriter;
  readonly #attributes: ProtoAttributes;
  readonly #start: number;
  readonly #head: { resource: Uint8Array; scope: Uint8Array };

  constructor(estimate: number, head: { resource: Uint8Array; scope: Uint8Array }) {
    this.#head = head;
    // Room for the request's prefix, written last once the spans' length is known (no copy of the spans).
    const headroom = head.resource.length + head.scope.length + 12;
    this.#w = new ProtoWriter(estimate, headroom);
    this.#start = headroom;
    this.#attributes = new ProtoAttributes(this.#w, SPAN_ATTRIBUTES);
  }

  get size(): number {
    return this.#w.pos - this.#start;
  }

  span(o: ObservationRecord, state: TraceState | undefined, environment: string | undefined): void {
    const w = this.#w;
    const span = w.open(SCOPE_SPANS_SPANS);
    w.byte(SPAN_TRACE_ID);
    w.byte(16);
    id(w, o.traceId, 16);
    w.byte(SPAN_SPAN_ID);
    w.byte(8);
    id(w, o.id, 8);
    if (o.parentId !== undefined) {
      w.byte(SPAN_PARENT_ID);
      w.byte(8);
      id(w, o.parentId, 8);
    }
    w.string(SPAN_NAME, o.name ?? o.type);
    w.byte(SPAN_KIND);
    w.byte(SPAN_KIND_INTERNAL);
    w.byte(SPAN_START);
    w.nanos(o.startTime);
    w.byte(SPAN_END);
    w.nanos(o.endTime ?? o.startTime);
    observationAttributes(o, state, environment, this.#attributes);
    if (state !== undefined) {
      if (state.proto === undefined) {
        // Written in place once, kept as bytes: the other spans of the trace copy them.
        const from = w.pos;
        traceAttributes(state, this.#attributes);
        state.proto = Buffer.from(w.buf.subarray(from, w.pos));
      } else w.raw(state.proto);
    }
    if (o.level !== 'ERROR') {
      // Unset, written empty: the same as OTLP/JSON's {"code":0}.
      w.byte(SPAN_STATUS);
      w.byte(0);
    } else {
      const status = w.open(SPAN_STATUS);
      if (o.statusMessage !== undefined) w.string(STATUS_MESSAGE, o.statusMessage);
      w.byte(STATUS_CODE);
      w.byte(STATUS_CODE_ERROR);
      w.close(status);
    }
    w.close(span);
  }

  finish(): Buffer {
    const { resource, scope } = this.#head;
    const spans = this.size;
    // ExportTraceServiceRequest.resource_spans(1) { resource(1), scope_spans(2) { scope(1), spans… } }
    const scopeSpans = scope.length + spans;
    const resourceSpans = resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
    const prefix = Buffer.from([
      0x0a,
      ...varintBytes(resourceSpans),
      ...resource,
      0x12,
      ...varintBytes(scopeSpans),
      ...scope,
    ]);
    return this.#w.prefixAt(this.#start, prefix);
  }
}

/** A trace or span id (lowercase hex) as its bytes; anything else would corrupt the message, so it throws. */
function id(w: ProtoWriter, hex: string, bytes: number): void {
  if (hex.length !== bytes * 2 || w.hex(hex) !== bytes)
    throw new Error(`malformed id ${JSON.stringify(hex.slice(0, 40))}: not ${bytes} bytes of hex`);
}

/** Encoded once per client: a length-delimited field `tag` holding `body`. */
function field(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, ...varintBytes(body.length)]), body]);
}

/**
 * OTLP protobuf (`application/x-protobuf`), written straight into one Buffer: about half the bytes of
 * OTLP/JSON for small attributes and less CPU, since nothing is escaped or printed as decimal.
 */
export function protobufSpanEncoding(source: OtlpSource): SpanEncoding {
  const w = new ProtoWriter(512);
  resourceAttributes(source, new ProtoAttributes(w, RESOURCE_ATTRIBUTES));
  const resource = field(0x0a, Buffer.from(w.buf.subarray(0, w.pos))); // ResourceSpans.resource = 1
  const scopeWriter = new ProtoWriter(128);
  scopeWriter.string(0x0a, source.scope.name); // InstrumentationScope.name = 1
  scopeWriter.string(0x12, source.scope.version); // InstrumentationScope.version = 2
  const scope = field(0x0a, Buffer.from(scopeWriter.buf.subarray(0, scopeWriter.pos))); // ScopeSpans.scope = 1
  const head = { resource, scope };
  return { contentType: 'application/x-protobuf', create: (estimate) => new ProtobufSpanEncoder(estimate, head) };
}
