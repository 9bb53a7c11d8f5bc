import { describeError } from '../runtime/errors.js';
import { cutAt, errorFields, pathOf, readProperty, SMALL_REPEAT, type Seen, typeTag } from './json-values.js';
import { plainJson } from './plain-json.js';

/**
 * JSON that cannot throw and cannot run away. One walk over the value writes the text:
 *
 * - linear in the value's distinct objects: an object met again is written again only while it
 *   is small (so `{a: x, b: x}` reads as JSON.stringify would); a larger one becomes
 *   `"[Repeated: $.path.of.first]"`, and a reference to an ancestor `"[Circular]"`. A DAG that
 *   JSON.stringify would expand to 2^depth nodes costs its own size here;
 * - bounded: at most `maxNodes` values are visited and about `maxBytes` UTF-8 bytes written;
 *   what does not fit is cut with a `[Truncated: …]` note, so the work is never more than the
 *   bytes it may send;
 * - content JSON.stringify loses is kept: an Error as `{name, message, …, stack}`, a Map as
 *   its `[key, value]` entries, a Set as its values; binary data (Buffer, TypedArray, DataView,
 *   ArrayBuffer) becomes a placeholder with its type and size, never a list of numbers;
 * - hostile parts (circular, BigInt, throwing getters or `toJSON`, revoked Proxies) are
 *   replaced by readable markers, so one bad value never sinks a batch.
 */
export interface JsonBudget {
  /** About how many UTF-8 bytes of JSON may be written (the notes that close a cut add a few). */
  maxBytes: number;
  /** How many values may be visited. */
  maxNodes: number;
}

export interface SerializedJson {
  /** The JSON text; undefined for undefined, a function or a symbol (as JSON.stringify). */
  json: string | undefined;
  /** UTF-8 bytes of `json`. */
  bytes: number;
  /** True when the budget cut something (the text says where). */
  truncated: boolean;
  /** Values visited. */
  nodes: number;
}

export const DEFAULT_JSON_BUDGET: JsonBudget = { maxBytes: 1024 * 1024, maxNodes: 100_000 };

const MAX_DEPTH = 64;

const MAP_SIZE = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const SET_SIZE = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
// No encoding argument: UTF-8 is the default, and naming it costs a lookup per call (≈60 ns on Node 20).
const utf8 = (s: string): number => Buffer.byteLength(s);

/** Serialises `value` within `budget`. Never throws. */
export function serializeJson(value: unknown, budget: JsonBudget = DEFAULT_JSON_BUDGET): SerializedJson {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    return { json: undefined, bytes: 0, truncated: false, nodes: 0 };
  }
  // Plain data (the usual payload) is written without the writer's bookkeeping, to the same text.
  const plain = plainJson(value, budget.maxBytes, budget.maxNodes);
  if (plain !== undefined) return plain;
  const w = new JsonWriter(budget);
  try {
    w.value(value, undefined, '', 0);
  } catch (error) {
    return marker(`[Unserializable: ${describeError(error)}]`);
  }
  // The text was built by appending (a rope of many small pieces): flattened once here, so a
  // queued event retains its characters, not a tree of every piece.
  const json = w.out;
  Number(json);
  return { json, bytes: w.bytes, truncated: w.truncated, nodes: w.nodes };
}

/** {@link serializeJson}'s text only. */
export function safeStringify(value: unknown, budget?: JsonBudget): string | undefined {
  return serializeJson(value, budget).json;
}

function marker(text: string): SerializedJson {
  const json = JSON.stringify(text);
  return { json, bytes: utf8(json), truncated: false, nodes: 1 };
}

const skipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

class JsonWriter {
  out = '';
  bytes = 0;
  nodes = 0;
  truncated = false;
  readonly #maxBytes: number;
  readonly #maxNodes: number;
  readonly #seen = new Map<object, Seen>();
  readonly #keys = new Map<string, { text: string; bytes: number }>();

  constructor(budget: JsonBudget) {
    this.#maxBytes = budget.maxBytes;
    this.#maxNodes = budget.maxNodes;
  }

  /** True once nothing more may be written; the first time, marks the text as truncated. */
  exhausted(): boolean {
    if (this.truncated) return true;
    if (this.bytes < this.#maxBytes && this.nodes < this.#maxNodes) return false;
    this.truncated = true;
    return true;
  }

  raw(s: string): void {
    this.out += s;
    this.bytes += s.length;
  }

  string(s: string): void {
    const room = this.#maxBytes - this.bytes;
    let json = s.length <= room ? JSON.stringify(s) : undefined;
    let size = json === undefined ? Number.POSITIVE_INFINITY : utf8(json);
    if (size > room) {
      // Cut before escaping: the work stays within what may be written.
      let keep = Math.max(0, Math.min(s.length, room) - 48);
      for (let i = 0; i < 4 && size > room && keep > 0; i++) {
        json = JSON.stringify(`${cutAt(s, keep)}…[Truncated: ${s.length - keep} more chars]`);
        size = utf8(json);
        keep = Math.floor((keep * room) / size) - 48;
      }
      if (json === undefined || size > room) json = JSON.stringify(`[Truncated: ${s.length} chars]`);
      size = utf8(json);
      this.truncated = true;
    }
    this.out += json;
    this.bytes += size;
  }

  key(k: string): void {
    // Objects of one shape repeat their keys: each is escaped and measured once.
    let known = this.#keys.get(k);
    if (known === undefined) {
      const text = `${JSON.stringify(k)}:`;
      known = { text, bytes: utf8(text) };
      this.#keys.set(k, known);
    }
    this.out += known.text;
    this.bytes += known.bytes;
  }

  /** Writes any value except undefined/function/symbol (callers skip or null those). */
  value(v: unknown, parent: Seen | undefined, key: string | number, depth: number): void {
    this.nodes++;
    switch (typeof v) {
      case 'string':
        this.string(v);
        return;
      case 'number':
        this.raw(Number.isFinite(v) ? String(v) : 'null');
        return;
      case 'boolean':
        this.raw(v ? 'true' : 'false');
        return;
      case 'bigint':
        this.string(v.toString());
        return;
      case 'object':
        if (v === null) {
          this.raw('null');
          return;
        }
        this.object(v, parent, key, depth);
        return;
      default:
        this.raw('null');
        return;
    }
  }

  object(o: object, parent: Seen | undefined, key: string | number, depth: number): void {
    const seen = this.#seen.get(o);
    if (seen !== undefined && seen.size < 0) {
      this.string('[Circular]');
      return;
    }
    if (seen !== undefined && seen.size > SMALL_REPEAT) {
      this.string(`[Repeated: ${pathOf(seen)}]`);
      return;
    }
    if (depth >= MAX_DEPTH) {
      this.string('[MaxDepth]');
      return;
    }
    const entry = seen ?? { parent, key, size: -1 };
    const before = seen?.size;
    entry.size = -1;
    if (seen === undefined) this.#seen.set(o, entry);
    const start = { out: this.out, bytes: this.bytes, nodes: this.nodes };
    try {
      this.#body(o, entry, depth);
    } catch (error) {
      // Whatever was half-written for this object goes: the text stays valid JSON.
      this.out = start.out;
      this.bytes = start.bytes;
      this.string(`[Unserializable: ${describeError(error)}]`);
    } finally {
      entry.size = before ?? this.nodes - start.nodes;
    }
  }

  #body(o: object, self: Seen, depth: number): void {
    if (ArrayBuffer.isView(o)) {
      this.string(`[${typeTag(o)}: ${o.byteLength} bytes]`);
      return;
    }
    if (o instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && o instanceof SharedArrayBuffer)) {
      this.string(`[${typeTag(o)}: ${o.byteLength} bytes]`);
      return;
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(o, '');
      if (replaced !== o) {
        if (skipped(replaced)) {
          this.raw('null');
          return;
        }
        this.value(replaced, self.parent, self.key, depth + 1);
        return;
      }
    }
    if (Array.isArray(o)) {
      this.#list(o.length, (i) => o[i], self, depth);
      return;
    }
    if (o instanceof Error || Object.prototype.toString.call(o) === '[object Error]') {
      const fields = errorFields(o as Error);
      this.#entries(
        fields.length,
        (i) => fields[i]![0],
        (i) => fields[i]![1],
        self,
        depth,
      );
      return;
    }
    if (o instanceof Map) {
      this.#iterate(MAP_SIZE.call(o) as number, Map.prototype.entries.call(o), self, depth);
      return;
    }
    if (o instanceof Set) {
      this.#iterate(SET_SIZE.call(o) as number, Set.prototype.values.call(o), self, depth);
      return;
    }
    if (o instanceof String || o instanceof Number || o instanceof Boolean) {
      this.value(o.valueOf(), self.parent, self.key, depth);
      return;
    }
    const keys = Object.keys(o);
    this.#entries(
      keys.length,
      (i) => keys[i]!,
      (i) => readProperty(o, keys[i]!),
      self,
      depth,
    );
  }

  #list(length: number, at: (i: number) => unknown, self: Seen, depth: number): void {
    this.raw('[');
    let i = 0;
    for (; i < length; i++) {
      if (this.exhausted()) break;
      if (i > 0) this.raw(',');
      let item: unknown;
      try {
        item = at(i);
      } catch (error) {
        item = `[Unreadable: ${describeError(error)}]`;
      }
      if (skipped(item)) this.raw('null');
      else this.value(item, self, i, depth + 1);
    }
    if (i < length) this.raw(`${i > 0 ? ',' : ''}"[Truncated: ${length - i} more items]"`);
    this.raw(']');
  }

  /** Map entries as `[key, value]` pairs, Set values: bounded by the budget, never read whole. */
  #iterate(size: number, it: Iterator<unknown>, self: Seen, depth: number): void {
    let next = it.next();
    this.#list(
      size,
      () => {
        const v = next.value;
        next = it.next();
        return v;
      },
      self,
      depth,
    );
  }

  /** Properties are read one at a time, so a wide object costs only what fits the budget. */
  #entries(
    count: number,
    keyAt: (i: number) => string,
    valueAt: (i: number) => unknown,
    self: Seen,
    depth: number,
  ): void {
    this.raw('{');
    let first = true;
    let i = 0;
    for (; i < count; i++) {
      if (this.exhausted()) break;
      const k = keyAt(i);
      const v = valueAt(i);
      this.nodes++;
      if (skipped(v)) continue;
      if (!first) this.raw(',');
      first = false;
      this.key(k);
      this.value(v, self, k, depth + 1);
    }
    if (i < count) this.raw(`${first ? '' : ','}"[Truncated]":"${count - i} more keys"`);
    this.raw('}');
  }
}
