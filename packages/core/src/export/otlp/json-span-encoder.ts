import type { ObservationRecord } from '../../model/records.js';
import { type AttributeSink, observationAttributes, resourceAttributes, traceAttributes } from './otlp-attributes.js';
import type { OtlpSource, SpanEncoder, SpanEncoding } from './span-encoder.js';
import type { TraceState } from './trace-state.js';

const q = JSON.stringify;

/**
 * OTLP/JSON attributes appended straight to text: building objects and stringifying them, or
 * collecting fragments in arrays to join, costs several times more per event. Keys are constants
 * that need no escaping; every value goes through JSON.stringify. Each attribute is written with a
 * leading comma, dropped once at the end of the list.
 */
class JsonAttributes implements AttributeSink {
  text = '';

  str(key: string, value: string): void {
    this.text += `,{"key":"${key}","value":{"stringValue":${q(value)}}}`;
  }

  dbl(key: string, value: number): void {
    this.text += `,{"key":"${key}","value":{"doubleValue":${q(value)}}}`;
  }

  bool(key: string, value: boolean): void {
    this.text += `,{"key":"${key}","value":{"boolValue":${value}}}`;
  }

  strings(key: string, values: readonly string[]): void {
    const items = values.map((v) => `{"stringValue":${q(v)}}`).join(',');
    this.text += `,{"key":"${key}","value":{"arrayValue":{"values":[${items}]}}}`;
  }

  /** The list so far without its leading comma, and starts a new one. */
  take(): string {
    const text = this.text.slice(1);
    this.text = '';
    return text;
  }
}

/**
 * Epoch milliseconds (with a fraction) as an integer-nanosecond string, without BigInt.
 * Printing a 19-digit double is slow; spans exported together mostly share their
 * millisecond, so its digits are printed once and the six fraction digits (a small
 * integer, cheap to print) appended.
 */
let lastWhole = Number.NaN;
let lastWholeText = '';
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000'];

export function toNanos(ms: number): string {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  if (fraction >= 1e6) return `${whole + 1}000000`;
  if (whole !== lastWhole) {
    lastWhole = whole;
    lastWholeText = String(whole);
  }
  const digits = String(fraction);
  return lastWholeText + ZEROS[6 - digits.length] + digits;
}

const STATUS_UNSET = '{"code":0}';

function statusOf(o: ObservationRecord): string {
  if (o.level !== 'ERROR') return STATUS_UNSET;
  return o.statusMessage !== undefined ? `{"code":2,"message":${q(o.statusMessage)}}` : '{"code":2}';
}

class JsonSpanEncoder implements SpanEncoder {
  readonly #attributes = new JsonAttributes();
  readonly #head: string;
  #spans = '';

  constructor(head: string) {
    this.#head = head;
  }

  get size(): number {
    return this.#spans.length;
  }

  span(o: ObservationRecord, state: TraceState | undefined, environment: string | undefined): void {
    const sink = this.#attributes;
    observationAttributes(o, state, environment, sink);
    let attributes = sink.take();
    if (state !== undefined) {
      if (state.text === undefined) {
        traceAttributes(state, sink);
        state.text = sink.text;
        sink.text = '';
      }
      attributes += state.text;
    }
    const parent = o.parentId !== undefined ? `,"parentSpanId":"${o.parentId}"` : '';
    const end = o.endTime ?? o.startTime;
    const span = `{"traceId":"${o.traceId}","spanId":"${o.id}"${parent},"name":${q(o.name ?? o.type)},"kind":1,"startTimeUnixNano":"${toNanos(o.startTime)}","endTimeUnixNano":"${toNanos(end)}","attributes":[${attributes}],"status":${statusOf(o)}}`;
    this.#spans += this.#spans === '' ? span : `,${span}`;
  }

  finish(): Buffer {
    return Buffer.from(`${this.#head}${this.#spans}]}]}]}`, 'utf8');
  }
}

/** OTLP/JSON (`application/json`): the encoding every OTLP receiver reads; larger and slower than protobuf. */
export function jsonSpanEncoding(source: OtlpSource): SpanEncoding {
  // Constant per client: written to JSON once.
  const resource = new JsonAttributes();
  resourceAttributes(source, resource);
  const head = `{"resourceSpans":[{"resource":{"attributes":[${resource.take()}]},"scopeSpans":[{"scope":${q(source.scope)},"spans":[`;
  return { contentType: 'application/json', create: () => new JsonSpanEncoder(head) };
}
