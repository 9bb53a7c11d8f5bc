import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { plainJson } from './plain-json.js';
import { DEFAULT_JSON_BUDGET, serializeJson } from './safe-json.js';

/** safe-json.ts with its fast path turned off: the writer alone, to compare against. */
async function writerOnly(): Promise<typeof serializeJson> {
  vi.resetModules();
  vi.doMock('./plain-json.js', () => ({ plainJson: () => undefined }));
  const mod = await import('./safe-json.js');
  vi.doUnmock('./plain-json.js');
  vi.resetModules();
  return mod.serializeJson;
}

const plainValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, undefined),
    fc.constant(() => 1),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 8 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 8 }),
}));

describe('plainJson (the fast path of serializeJson)', () => {
  it('writes what the safe writer writes, nodes and bytes included, or gives up', async () => {
    const writer = await writerOnly();
    fc.assert(
      fc.property(
        plainValue.value,
        fc.integer({ min: 8, max: 4000 }),
        fc.integer({ min: 2, max: 300 }),
        (v, maxBytes, maxNodes) => {
          const budget = { maxBytes, maxNodes };
          const fast = plainJson(v, maxBytes, maxNodes);
          if (fast !== undefined) expect(fast).toEqual(writer(v, budget));
          expect(serializeJson(v, budget)).toEqual(writer(v, budget));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('repeats of any size read as the safe writer writes them: again while small, a marker past 32 values (property)', async () => {
    const writer = await writerOnly();
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), plainValue.value), { maxLength: 45 }), fc.nat(3), (list, wrap) => {
        let shared: unknown = { list };
        for (let i = 0; i < wrap; i++) shared = { shared };
        const v = { first: shared, again: [shared, { deeper: shared }] };
        const budget = { maxBytes: 1_000_000, maxNodes: 100_000 };
        const fast = plainJson(v, budget.maxBytes, budget.maxNodes);
        if (fast !== undefined) expect(fast).toEqual(writer(v, budget));
        expect(serializeJson(v, budget)).toEqual(writer(v, budget));
      }),
      { numRuns: 500 },
    );
  });

  it('takes the usual payloads: messages, a question, usage', () => {
    const messages = [
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'What is the capital of France? ü' },
    ];
    for (const v of [messages, { question: 'What is fusewire?' }, { input: 12, output: 34 }, [1, 'a', null]]) {
      const out = plainJson(v, 100_000, 10_000);
      expect(out?.json).toBe(JSON.stringify(v));
      expect(out?.bytes).toBe(Buffer.byteLength(JSON.stringify(v)));
    }
  });

  it('counts keys whose values JSON leaves out against the node budget (found by the property test)', async () => {
    const writer = await writerOnly();
    const f = () => 1;
    const v = { '': -0, ' ': '', '!': -0, '"': '', ':': f, ';': f };
    // 11 nodes: the writer cuts at 10 and writes all at 11; the fast path must not write it whole at 10.
    for (const maxNodes of [9, 10, 11, 12]) {
      const fast = plainJson(v, 28, maxNodes);
      if (fast !== undefined) expect(fast).toEqual(writer(v, { maxBytes: 28, maxNodes }));
    }
    expect(plainJson(v, 28, 10)).toBeUndefined();
  });

  it('leaves the rest to the safe writer', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const hostile = {
      get boom() {
        throw new Error('no');
      },
    };
    for (const v of [
      new Date(0),
      { at: new Date(0) },
      new Error('e'),
      new Map([[1, 2]]),
      Buffer.from('x'),
      { n: 1n },
      circular,
      hostile,
      Object.setPrototypeOf(new Error('e'), Object.prototype),
      { toJSON: () => 'x' },
      { long: 'x'.repeat(200) },
      Array.from({ length: 100 }, (_, i) => i),
      new Proxy({ a: 1 }, {}),
      Object.defineProperty({}, 'x', { get: () => 1, enumerable: true }),
      Object.defineProperty([1], 0, { get: () => 1 }),
      { [Symbol.toStringTag]: 'Tagged' },
      Object.setPrototypeOf(new String('ab'), Object.prototype),
      Object.setPrototypeOf(new Uint8Array(2), Object.prototype),
    ]) {
      expect(plainJson(v, 100, 10_000)).toBeUndefined();
    }
  });

  it("never runs the caller's code: a getter or a Proxy trap runs only in the safe writer (property)", async () => {
    const writer = await writerOnly();
    fc.assert(
      fc.property(hostileValue.value, (build) => {
        const fastCalls = { n: 0 };
        const fast = plainJson(build(fastCalls), 1_000_000, 100_000);
        expect(fastCalls.n).toBe(0);
        const served = { n: 0 };
        const alone = { n: 0 };
        const out = serializeJson(build(served), DEFAULT_JSON_BUDGET);
        expect(out).toEqual(writer(build(alone), DEFAULT_JSON_BUDGET));
        // The safe writer reads what the fast path refused: every getter and trap runs as often as it alone would.
        expect(served.n).toBe(alone.n);
        if (fast !== undefined) expect(fast).toEqual(out);
      }),
      { numRuns: 1000 },
    );
  });

  it('an enumerable key an app added to Object.prototype, or a setter without a getter, goes to the safe writer', () => {
    const setterOnly = Object.defineProperty({ a: 1 }, 's', { set: () => {}, enumerable: true });
    expect(plainJson(setterOnly, 1000, 1000)).toBeUndefined();
    expect(serializeJson(setterOnly).json).toBe('{"a":1}');
    const proto = Object.prototype as Record<string, unknown>;
    proto.added = 'inherited';
    try {
      // The walk meets the inherited key (for-in) and leaves the value to the writer, which writes own keys only.
      expect(plainJson({ a: 1 }, 1000, 1000)).toBeUndefined();
      expect(serializeJson({ a: 1, b: [{ c: 2 }] }).json).toBe('{"a":1,"b":[{"c":2}]}');
    } finally {
      delete proto.added;
    }
    expect(plainJson({ a: 1 }, 1000, 1000)?.json).toBe('{"a":1}');
  });

  it('a getter that answers small, then a 2^40 DAG, cannot make the work unbounded', () => {
    let node: Record<string, unknown> = { leaf: 'x' };
    for (let d = 0; d < 40; d++) node = { a: node, b: node };
    const bomb = node;
    let reads = 0;
    const v = {
      messages: [{ role: 'user', content: 'hi' }],
      get extra() {
        reads++;
        return reads === 1 ? 'small' : bomb;
      },
    };
    // JSON.stringify after a walk that read the getter would write 2^40 leaves; the walk refuses
    // to read it, so the getter runs once, in the safe writer, and answers small.
    expect(serializeJson(v).json).toBe('{"messages":[{"role":"user","content":"hi"}],"extra":"small"}');
    expect(reads).toBe(1);
  });

  it('writes a small repeat again, as JSON.stringify and the safe writer do; leaves a large one (a marker) to the writer', () => {
    const small = { role: 'user', content: 'hi', n: [1, 2, 3] };
    const twice = { a: small, b: [small, small] };
    expect(plainJson(twice, 100_000, 10_000)).toEqual(serializeJson(twice));
    expect(plainJson(twice, 100_000, 10_000)?.json).toBe(JSON.stringify(twice));
    const large = { rows: Array.from({ length: 40 }, (_, i) => i) };
    expect(plainJson({ a: large, b: large }, 100_000, 10_000)).toBeUndefined();
    expect(serializeJson({ a: large, b: large }).json).toContain('[Repeated: $.a]');
    // A DAG of small objects runs into the node bound long before 2^40.
    let node: Record<string, unknown> = { leaf: 'x' };
    for (let d = 0; d < 40; d++) node = { a: node, b: node };
    expect(plainJson(node, 1_000_000, 100_000)).toBeUndefined();
  });

  it('takes wide and deep plain values (up to its node and depth bounds), and long chat histories', () => {
    const history = Array.from({ length: 200 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `turn ${i}`,
    }));
    let deep: unknown = 'leaf';
    for (let i = 0; i < 15; i++) deep = { d: deep };
    for (const v of [history, deep, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))]) {
      expect(plainJson(v, 1_000_000, 100_000)?.json).toBe(JSON.stringify(v));
    }
  });
});

type Counter = { n: number };
type Build = (calls: Counter) => unknown;

/**
 * Values with the caller's code in them, rebuilt for each run (so each gets its own counter): a
 * getter, a Proxy (its traps count), an index getter, a null-prototype object, a class
 * instance, a Date, a repeat; the rest plain.
 */
const hostileValue = fc.letrec<{ value: Build; object: Build; array: Build }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constantFrom(true, null, undefined)).map((p) => () => p),
    tie('array'),
    tie('object'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }).map((items) => (calls: Counter) => items.map((b) => b(calls))),
  object: fc
    .tuple(
      fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 5 }),
      fc.constantFrom('plain', 'plain', 'getter', 'proxy', 'indexGetter', 'nullProto', 'class', 'date', 'repeat'),
    )
    .map(([fields, twist]) => (calls: Counter) => {
      const o: Record<string, unknown> = {};
      for (const [k, b] of Object.entries(fields)) o[k] = b(calls);
      return twisted(o, twist, calls);
    }),
}));

class Row {
  constructor(readonly id: number) {}
}

function twisted(o: Record<string, unknown>, twist: string, calls: Counter): unknown {
  switch (twist) {
    case 'getter':
      return Object.defineProperty(o, 'lazy', {
        enumerable: true,
        get: () => {
          calls.n++;
          return { n: calls.n };
        },
      });
    case 'proxy':
      return new Proxy(o, {
        get(target, key, receiver) {
          calls.n++;
          return Reflect.get(target, key, receiver);
        },
        ownKeys(target) {
          calls.n++;
          return Reflect.ownKeys(target);
        },
      });
    case 'indexGetter': {
      const list: unknown[] = [1, o];
      return Object.defineProperty(list, 0, {
        enumerable: true,
        get: () => {
          calls.n++;
          return 'got';
        },
      });
    }
    case 'nullProto':
      return Object.assign(Object.create(null), o);
    case 'class':
      return { row: new Row(1), o };
    case 'date':
      return { at: new Date(0), o };
    case 'repeat':
      return { a: o, b: o };
    default:
      return o;
  }
}
