import { describe, expect, it } from 'vitest';
import { safeStringify, serializeJson } from './safe-json.js';

const parse = (v: unknown): unknown => JSON.parse(safeStringify(v)!);

describe('content JSON.stringify would lose', () => {
  it('an Error keeps name, message, its own fields, cause and stack', () => {
    const cause = new RangeError('inner');
    const e = Object.assign(new TypeError('boom', { cause }), { code: 'E_BOOM', status: 502 });
    const out = parse({ e }) as { e: Record<string, unknown> };
    expect(out.e).toMatchObject({ name: 'TypeError', message: 'boom', code: 'E_BOOM', status: 502 });
    expect(out.e.stack).toEqual(e.stack);
    expect(out.e.cause).toMatchObject({ name: 'RangeError', message: 'inner', stack: cause.stack });
    expect(Object.keys(out.e).at(-1)).toBe('stack');
    // As a whole value too (a span's input or output).
    expect(parse(new Error('top'))).toMatchObject({ name: 'Error', message: 'top' });
  });

  it('an AggregateError keeps its errors; a throwing message getter is marked', () => {
    const agg = new AggregateError([new Error('a'), 'b'], 'many');
    expect(parse(agg)).toMatchObject({ name: 'AggregateError', message: 'many', errors: [{ message: 'a' }, 'b'] });
    const weird = new Error('x');
    Object.defineProperty(weird, 'message', {
      get() {
        throw new Error('no message');
      },
    });
    expect(parse(weird)).toMatchObject({ name: 'Error', message: '[Unreadable: no message]' });
  });

  it('a Map is its [key, value] entries, a Set its values, nested and bounded', () => {
    const m = new Map<unknown, unknown>([
      ['a', 1],
      [{ k: 1 }, new Set([1, 'two', { three: 3 }])],
    ]);
    expect(parse({ m })).toEqual({
      m: [
        ['a', 1],
        [{ k: 1 }, [1, 'two', { three: 3 }]],
      ],
    });
    const big = new Set(Array.from({ length: 10_000 }, (_, i) => i));
    const out = serializeJson(big, { maxBytes: 1000, maxNodes: 1000 });
    expect(out.truncated).toBe(true);
    expect(out.bytes).toBeLessThan(1100);
    expect(out.json).toMatch(/"\[Truncated: \d+ more items\]"\]$/);
  });

  it('binary data becomes a placeholder with its type and size, never a list of numbers', () => {
    const buf = Buffer.alloc(1024 * 1024, 7);
    const out = serializeJson({ buf, f32: new Float32Array(256), view: new DataView(new ArrayBuffer(8)) });
    expect(JSON.parse(out.json!)).toEqual({
      buf: '[Buffer: 1048576 bytes]',
      f32: '[Float32Array: 1024 bytes]',
      view: '[DataView: 8 bytes]',
    });
    expect(parse(new ArrayBuffer(16))).toBe('[ArrayBuffer: 16 bytes]');
    expect(parse(buf)).toBe('[Buffer: 1048576 bytes]');
    expect(out.bytes).toBeLessThan(200);
  });

  it('boxed primitives and Dates read as JSON.stringify reads them', () => {
    const d = new Date(0);
    const v = { s: new String('s'), n: new Number(2), b: new Boolean(false), d, bad: new Date(Number.NaN) };
    expect(parse(v)).toEqual(JSON.parse(JSON.stringify(v)));
  });

  it('a toJSON that returns its own object is read as a plain object', () => {
    const self = {
      a: 1,
      toJSON() {
        return this;
      },
    };
    expect(parse(self)).toEqual({ a: 1 });
  });
});
