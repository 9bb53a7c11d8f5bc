import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeStringify } from './safe-json.js';

describe('safeStringify', () => {
  it('is plain JSON.stringify for plain values', () => {
    const v = { a: 1, b: ['x', null, true], c: { d: 'e' } };
    expect(safeStringify(v)).toBe(JSON.stringify(v));
    expect(safeStringify('text')).toBe('"text"');
  });

  it('marks circular references instead of throwing', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    a.list = [a, 1];
    expect(JSON.parse(safeStringify(a)!)).toEqual({ name: 'a', self: '[Circular]', list: ['[Circular]', 1] });
  });

  it('keeps a shared (non-circular) object twice', () => {
    const shared = { x: 1 };
    expect(JSON.parse(safeStringify({ a: shared, b: shared, big: 1n })!)).toEqual({
      a: { x: 1 },
      b: { x: 1 },
      big: '1',
    });
  });

  it('turns BigInt into a string', () => {
    expect(JSON.parse(safeStringify({ n: 12345678901234567890n })!)).toEqual({ n: '12345678901234567890' });
  });

  it('survives throwing getters and throwing toJSON', () => {
    const getter = {
      ok: 1,
      get bad(): never {
        throw new Error('nope');
      },
    };
    expect(JSON.parse(safeStringify(getter)!)).toEqual({ ok: 1, bad: '[Unreadable: nope]' });
    const toJSON = {
      toJSON: () => {
        throw new Error('no json');
      },
    };
    expect(JSON.parse(safeStringify({ v: toJSON })!)).toEqual({ v: '[Unserializable: no json]' });
    const weird = {
      get bad(): never {
        throw 'a string'; // a non-Error throw
      },
    };
    expect(JSON.parse(safeStringify(weird)!)).toEqual({ bad: '[Unreadable: a string]' });
  });

  it('keeps a __proto__ key as data and never touches a prototype', () => {
    // JSON.parse makes an own __proto__ key; the BigInt forces the hand-walked path.
    const v = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    v.big = 2n;
    const out = safeStringify(v)!;
    expect(out).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops functions and symbols as JSON.stringify does', () => {
    const out = JSON.parse(safeStringify({ f: () => 1, s: Symbol('x'), b: 1n, list: [() => 1, Symbol('y')] })!);
    expect(out).toEqual({ b: '1', list: [null, null] });
  });

  it('cuts very deep nesting (and stays linear on deep DAGs)', () => {
    let deep: Record<string, unknown> = { leaf: 1n };
    for (let i = 0; i < 200; i++) deep = { d: deep };
    const out = safeStringify(deep)!;
    expect(out).toContain('[MaxDepth]');
  });

  it('contains a Proxy whose traps throw', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(() => safeStringify({ hostile })).not.toThrow();
    expect(typeof safeStringify({ hostile })).toBe('string');
    expect(typeof safeStringify(hostile)).toBe('string');
  });

  it('never throws and always returns parseable JSON for anything (property)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
        }),
        (v) => {
          const out = safeStringify(v);
          if (out !== undefined) expect(() => JSON.parse(out)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});
