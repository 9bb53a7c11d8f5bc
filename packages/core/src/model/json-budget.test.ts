import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeJson } from './safe-json.js';

/** Each level's node refers to the next level's twice: 2^depth paths, depth+1 distinct objects. */
function dag(depth: number, width = 2): unknown {
  let node: Record<string, unknown> = { leaf: 'x'.repeat(20) };
  for (let d = 0; d < depth; d++) {
    const next: Record<string, unknown> = { level: d };
    for (let w = 0; w < width; w++) next[`ref${w}`] = node;
    node = next;
  }
  return node;
}

const budget = { maxBytes: 64 * 1024, maxNodes: 10_000 };

describe('budget and shared references', () => {
  it('a DAG of any depth costs its distinct objects, not its paths (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 2, max: 4 }), (depth, width) => {
        const out = serializeJson(dag(depth, width), budget);
        const text = out.json!;
        expect(() => JSON.parse(text)).not.toThrow();
        // Every distinct level appears in full once; the rest are markers naming a path (at most
        // `depth` steps): polynomial in depth, where JSON.stringify would write width^depth nodes.
        expect(out.truncated).toBe(false);
        expect(text.length).toBeLessThan(4000 + depth * width * (depth * 6 + 80));
        if (depth > 6) expect(text).toMatch(/\[Repeated: \$\.ref0/);
      }),
      { numRuns: 60 },
    );
  });

  it('small shared objects are written again, as JSON.stringify would', () => {
    const shared = { x: 1, y: [1, 2] };
    const v = { a: shared, b: shared, c: [shared, shared] };
    expect(serializeJson(v).json).toBe(JSON.stringify(v));
  });

  it('a repeated large object points at its first place', () => {
    const big = { list: Array.from({ length: 100 }, (_, i) => i) };
    const out = JSON.parse(serializeJson({ first: { inner: big }, again: big }).json!);
    expect(out.again).toBe('[Repeated: $.first.inner]');
    expect(out.first.inner.list).toHaveLength(100);
  });

  it('never writes much more than maxBytes, whatever the shape (property)', () => {
    const shape = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.double(),
        fc.array(tie('value'), { maxLength: 50 }),
        fc.dictionary(fc.string({ maxLength: 20 }), tie('value'), { maxKeys: 30 }),
      ),
    })).value;
    fc.assert(
      fc.property(shape, fc.integer({ min: 64, max: 20_000 }), (v, maxBytes) => {
        const out = serializeJson(v, { maxBytes, maxNodes: 100_000 });
        expect(() => JSON.parse(out.json!)).not.toThrow();
        expect(out.bytes).toBe(Buffer.byteLength(out.json!));
        // The notes that close open containers may add a little per level.
        expect(out.bytes).toBeLessThanOrEqual(maxBytes + 64 * 50);
        if (!out.truncated) expect(out.json).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });

  it('a huge string is cut before it is escaped; the cut says how much is missing', () => {
    const out = serializeJson({ s: '"'.repeat(5_000_000) }, { maxBytes: 10_000, maxNodes: 100 });
    expect(out.truncated).toBe(true);
    expect(out.bytes).toBeLessThanOrEqual(10_000);
    expect(JSON.parse(out.json!).s).toMatch(/…\[Truncated: \d+ more chars\]$/);
  });

  it('a wide object is read only as far as the budget goes', () => {
    let reads = 0;
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) {
      Object.defineProperty(wide, `k${i}`, {
        enumerable: true,
        get() {
          reads++;
          return i;
        },
      });
    }
    const out = serializeJson(wide, { maxBytes: 1_000_000, maxNodes: 1_000 });
    expect(out.truncated).toBe(true);
    expect(reads).toBeLessThanOrEqual(1_001);
    expect(JSON.parse(out.json!)['[Truncated]']).toMatch(/^\d+ more keys$/);
  });

  it('a multi-byte string is counted in UTF-8 bytes and never cut inside a pair', () => {
    const out = serializeJson(['😀'.repeat(10_000)], { maxBytes: 1_001, maxNodes: 100 });
    expect(out.bytes).toBeLessThanOrEqual(1_001);
    expect(JSON.parse(out.json!)[0]).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
