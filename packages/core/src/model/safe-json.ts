import { describeError } from '../runtime/errors.js';

/**
 * JSON that cannot throw. The fast path is a plain `JSON.stringify`; anything it refuses
 * (circular structures, BigInt, throwing getters or `toJSON`) is walked by hand and the
 * offending parts replaced by readable markers, so one hostile value never sinks a batch.
 */
const MAX_DEPTH = 64;

export function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    try {
      return JSON.stringify(sanitize(value, new WeakSet(), 0));
    } catch (error) {
      return JSON.stringify(`[Unserializable: ${describeError(error)}]`);
    }
  }
}

function sanitize(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[MaxDepth]';
  seen.add(value);
  try {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return sanitize(toJSON.call(value), seen, depth + 1);
    }
    if (Array.isArray(value)) {
      return value.map((item) => sanitize(item, seen, depth + 1) ?? null);
    }
    if (value instanceof Error) {
      return { name: value.name, message: value.message };
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch (error) {
        item = `[Unreadable: ${describeError(error)}]`;
      }
      const clean = sanitize(item, seen, depth + 1);
      // defineProperty: a key named __proto__ stays data and never reaches a prototype.
      if (clean !== undefined) {
        Object.defineProperty(out, key, { value: clean, enumerable: true, writable: true, configurable: true });
      }
    }
    return out;
  } catch (error) {
    return `[Unserializable: ${describeError(error)}]`;
  } finally {
    seen.delete(value);
  }
}
