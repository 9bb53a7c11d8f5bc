import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObservationRecord } from '../model/records.js';
import { estimateBytes, normalize, type RawRecord } from './normalize.js';

const raw = (message: Record<string, unknown>): RawRecord => ({
  kind: 'span',
  message,
  acceptedAt: Date.now(),
  context: undefined,
  bytes: 0,
  epoch: 0,
});

function observation(m: Record<string, unknown>, maxEventBytes?: number): ObservationRecord {
  const result = normalize(raw({ name: 'n', ...m }), 1, maxEventBytes);
  if (!result.ok) throw new Error(`not ok: ${JSON.stringify(result)}`);
  return result.record as ObservationRecord;
}

const rows = (n: number, width = 200) =>
  Array.from({ length: n }, (_, i) => ({ id: i, text: `row ${i} `.padEnd(width, 'x'), ok: i % 2 === 0 }));

describe('normalize: object fields within the event budget', () => {
  it('an object input far over the limit is cut to half the event limit, with a note', () => {
    const o = observation({ input: { rows: rows(50_000) } }, 1_000_000);
    expect(o.input!.length).toBeLessThanOrEqual(500_000);
    expect(o.input).toMatch(/\[Truncated: \d+ more items\]/);
    expect(() => JSON.parse(o.input!)).not.toThrow();
    expect(o.bytes).toBeLessThan(1_000_000);
  });

  it('a huge input leaves the output at least an eighth of the budget', () => {
    const o = observation({ input: { rows: rows(50_000) }, output: { rows: rows(50_000) } }, 1_000_000);
    expect(o.output!.length).toBeGreaterThanOrEqual(500_000 / 8 - 300);
    expect(o.input!.length + o.output!.length).toBeLessThanOrEqual(500_000);
  });

  it('Error, Map, Set and Buffer fields keep their content (item 12)', () => {
    const o = observation({
      input: new Map([['k', new Set([1, 2])]]),
      output: new TypeError('bad answer'),
      metadata: { raw: Buffer.alloc(1_000_000) },
    });
    expect(JSON.parse(o.input!)).toEqual([['k', [1, 2]]]);
    expect(JSON.parse(o.output!)).toMatchObject({ name: 'TypeError', message: 'bad answer' });
    expect(JSON.parse(o.output!).stack).toContain('bad answer');
    expect(JSON.parse(o.metadata!)).toEqual({ raw: '[Buffer: 1000000 bytes]' });
  });
});

describe('estimateBytes: what a waiting event keeps alive', () => {
  it('counts object fields near their serialised size, whatever their shape (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 10, max: 2000 }), (n, width) => {
        const output = { results: rows(n, width) };
        const json = JSON.stringify(output).length;
        const estimate = estimateBytes({ output });
        expect(estimate).toBeGreaterThanOrEqual(json * 0.5);
        expect(estimate).toBeLessThanOrEqual(json * 4 + 2048);
      }),
      { numRuns: 50 },
    );
  });

  it('reads a bounded number of values, however large the object', () => {
    let reads = 0;
    const counted = (v: unknown) => ({
      get v() {
        reads++;
        return v;
      },
    });
    const output = Array.from({ length: 100_000 }, (_, i) => counted({ deep: [counted(i), counted(i)] }));
    estimateBytes({ output, input: { a: counted(1) } });
    expect(reads).toBeLessThanOrEqual(60);
  });

  it('never throws for hostile values', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const getter = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(estimateBytes({ input: revoked.proxy, output: getter, metadata: [getter] })).toBeGreaterThan(0);
  });
});
