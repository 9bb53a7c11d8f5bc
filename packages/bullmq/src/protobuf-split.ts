// Cuts a binary OTLP ExportTraceServiceRequest in two without a protobuf library or the .proto files:
// only the tags of the three levels that hold spans are read (request field 1 ResourceSpans, its field 2
// ScopeSpans, its field 2 Span); every other field, the resource and the scope included, is copied
// byte for byte. Core writes one ResourceSpans with one ScopeSpans; any other shape is left uncut.

/** One field of a message: its number, wire type and where its bytes lie in the message buffer. */
interface Field {
  number: number;
  wireType: number;
  /** From the tag's first byte to the value's last: the field as it was encoded. */
  start: number;
  end: number;
  /** The payload of a length-delimited field (wire type 2). */
  valueStart: number;
}

/** A varint at `pos` as [value, next position], or undefined past the end or beyond 2^53. */
function readVarint(buf: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= buf.length) return undefined;
    const b = buf[pos++]!;
    value += (b & 127) * scale;
    if (b < 128) return [value, pos];
    scale *= 128;
  }
  return undefined;
}

/** Every field of a message in order, or undefined when the bytes are not a well-formed message. */
function readFields(buf: Uint8Array, from = 0, to = buf.length): Field[] | undefined {
  const fields: Field[] = [];
  let pos = from;
  while (pos < to) {
    const start = pos;
    const tag = readVarint(buf, pos);
    if (tag === undefined) return undefined;
    pos = tag[1];
    const wireType = tag[0] % 8;
    const number = Math.floor(tag[0] / 8);
    let valueStart = pos;
    if (wireType === 0) {
      const v = readVarint(buf, pos);
      if (v === undefined) return undefined;
      pos = v[1];
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const len = readVarint(buf, pos);
      if (len === undefined) return undefined;
      valueStart = len[1];
      pos = valueStart + len[0];
    } else return undefined; // groups (3, 4) are not used by OTLP
    if (number === 0 || pos > to) return undefined;
    fields.push({ number, wireType, start, end: pos, valueStart });
  }
  return fields;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field `number` holding `parts`, concatenated. */
function lengthDelimited(number: number, parts: Uint8Array[]): Uint8Array[] {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varintBytes(number * 8 + 2), ...varintBytes(length)]), ...parts];
}

const isEmbedded = (f: Field, number: number) => f.number === number && f.wireType === 2;

/** The only field `number` of a message, or undefined when there is none or more than one. */
function single(fields: Field[], number: number): Field | undefined {
  const found = fields.filter((f) => isEmbedded(f, number));
  return found.length === 1 ? found[0] : undefined;
}

/** A span's `span_id` (Span field 2) as lowercase hex, the id OTLP/JSON and `eventIds` use. */
function spanIdOf(body: Uint8Array, span: Field): string | undefined {
  const id = readFields(body, span.valueStart, span.end)?.find((f) => isEmbedded(f, 2));
  return id && Buffer.from(body.subarray(id.valueStart, id.end)).toString('hex');
}

/** One half of a cut request: a complete body and the span ids it holds, in body order. */
export interface ProtobufHalf {
  body: Uint8Array;
  spanIds: string[];
}

/**
 * The request's spans cut into two halves (the first one larger by one for an odd count), each half a
 * complete request with the same resource, scope and other fields; undefined when the body does not
 * have core's shape (one ResourceSpans holding one ScopeSpans) or holds fewer than two spans.
 */
export function splitOtlpProtobuf(body: Uint8Array): [ProtobufHalf, ProtobufHalf] | undefined {
  const request = readFields(body);
  const resourceField = request && single(request, 1);
  if (!request || !resourceField) return undefined;
  const resource = readFields(body, resourceField.valueStart, resourceField.end);
  const scopeField = resource && single(resource, 2);
  if (!resource || !scopeField) return undefined;
  const scope = readFields(body, scopeField.valueStart, scopeField.end);
  if (!scope) return undefined;
  const spans = scope.filter((f) => isEmbedded(f, 2));
  if (spans.length < 2) return undefined;
  const ids = spans.map((span) => spanIdOf(body, span));
  if (ids.some((id) => id === undefined)) return undefined;
  const bytes = (f: Field) => body.subarray(f.start, f.end);
  const half = Math.ceil(spans.length / 2);
  const halves = [spans.slice(0, half), spans.slice(half)].map((list, i): ProtobufHalf => {
    const kept = new Set(list);
    const scopeParts = scope.filter((f) => !isEmbedded(f, 2) || kept.has(f)).map(bytes);
    const resourceParts = resource.flatMap((f) => (f === scopeField ? lengthDelimited(2, scopeParts) : [bytes(f)]));
    const parts = request.flatMap((f) => (f === resourceField ? lengthDelimited(1, resourceParts) : [bytes(f)]));
    const spanIds = (i === 0 ? ids.slice(0, half) : ids.slice(half)) as string[];
    return { body: new Uint8Array(Buffer.concat(parts)), spanIds };
  });
  return [halves[0]!, halves[1]!];
}
