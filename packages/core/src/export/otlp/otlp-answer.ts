import type { DeliveryResult } from '../../seams/delivery.js';

/** `partialSuccess.rejectedSpans` of an OTLP answer (int64: a number or a decimal string), 0 when absent. */
function rejectedSpans(body: string): { count: number; message: string | undefined } {
  // OTLP/protobuf: field 1 (partial_success, length-delimited) starts with the byte 0x0a.
  const protobuf = body.charCodeAt(0) === 0x0a ? protobufRejectedSpans(body) : undefined;
  if (protobuf !== undefined && protobuf.count > 0) return protobuf;
  if (!body.includes('rejectedSpans')) return { count: 0, message: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { count: 0, message: undefined }; // cut at the read cap, or not JSON: the server took the request
  }
  const partial = (parsed as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } } | null)
    ?.partialSuccess;
  const raw = partial?.rejectedSpans;
  const count = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : 0;
  const message =
    typeof partial?.errorMessage === 'string' && partial.errorMessage !== '' ? partial.errorMessage : undefined;
  return { count: Number.isInteger(count) && count > 0 ? count : 0, message };
}

/**
 * The same from an OTLP/protobuf `ExportTraceServiceResponse` read byte for byte (latin1):
 * `partial_success` = field 1 { `rejected_spans` = field 1 (varint), `error_message` = field 2 }.
 * Anything it cannot read counts as no rejection (the server took the request).
 */
function protobufRejectedSpans(bytes: string): { count: number; message: string | undefined } {
  const none = { count: 0, message: undefined };
  const outer = fields(bytes, 0, bytes.length);
  const partial = outer?.get(1);
  if (typeof partial !== 'object') return none;
  const inner = fields(bytes, partial.start, partial.end);
  const count = inner?.get(1);
  const text = inner?.get(2);
  const message =
    typeof text === 'object' && text.end > text.start
      ? Buffer.from(bytes.slice(text.start, text.end), 'latin1').toString('utf8')
      : undefined;
  return { count: typeof count === 'number' && Number.isSafeInteger(count) && count > 0 ? count : 0, message };
}

type Field = number | { start: number; end: number };

/** Top-level fields of one protobuf message: varints as numbers, length-delimited as ranges. */
function fields(bytes: string, start: number, end: number): Map<number, Field> | undefined {
  const out = new Map<number, Field>();
  let at = start;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; at < end && shift < 64; shift += 7) {
      const byte = bytes.charCodeAt(at++);
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  };
  while (at < end) {
    const key = varint();
    if (key === undefined) return undefined;
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (wire === 0) {
      const value = varint();
      if (value === undefined) return undefined;
      out.set(field, value);
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > end) return undefined;
      out.set(field, { start: at, end: at + length });
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return undefined;
  }
  return at === end ? out : undefined;
}

/** Spans in the request: trace records ride on a span's attributes and make none of their own. */
function spanCount(eventIds: readonly string[]): number {
  let spans = 0;
  for (const id of eventIds) if (!id.startsWith('trace-')) spans++;
  return spans;
}

/**
 * Reads the OTLP endpoint's 2xx answer. Langfuse answers 200 `{}` once it took the spans; another
 * OTLP receiver (a collector, a proxy) may answer 200 with `partialSuccess.rejectedSpans`: a count
 * that names no span. Like OpenTelemetry's own exporters, fusewire does not retry it (the receiver
 * stored the rest; a re-send would duplicate them, and a span refused for what it is is refused
 * again). All spans rejected → `rejected`; some → `partially_rejected` with the count, which the
 * retrying layer reports as loss it cannot attribute to a span.
 */
export function readOtlpAnswer(status: number, body: string, eventIds: readonly string[]): DeliveryResult {
  const { count, message } = rejectedSpans(body);
  if (count === 0) return { kind: 'delivered' };
  const spans = spanCount(eventIds);
  const said = message ? `: ${message}` : '';
  if (count >= spans) {
    return {
      kind: 'rejected',
      code: 'OTLP_REJECTED_SPANS',
      status,
      message: `the OTLP endpoint answered ${status} but rejected ${count} of ${spans} spans${said}`,
    };
  }
  return {
    kind: 'partially_rejected',
    rejected: count,
    code: 'OTLP_PARTIAL_SUCCESS',
    status,
    message: `the OTLP endpoint answered ${status} with partialSuccess: it rejected ${count} of ${spans} spans without naming them${said}`,
  };
}
