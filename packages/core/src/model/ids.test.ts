import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSpanId,
  isTraceId,
  newSpanId,
  newTraceId,
  sampledIn,
  toSpanId,
  toTraceId,
  traceCarrierSpanId,
} from './ids.js';

describe('fresh ids', () => {
  it('are W3C-shaped lowercase hex and do not repeat', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    // Crosses the 8 KiB random pool boundary several times.
    for (let i = 0; i < 3000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(3000);
    expect(spans.size).toBe(3000);
  });
});

describe('caller ids', () => {
  it('keeps lowercase hex ids as they are', () => {
    expect(toTraceId('0af7651916cd43dd8448eb211c80319c')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(toSpanId('b7ad6b7169203331')).toBe('b7ad6b7169203331');
  });

  it('lowercases uppercase hex ids', () => {
    expect(toTraceId('0AF7651916CD43DD8448EB211C80319C')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(toSpanId('B7AD6B7169203331')).toBe('b7ad6b7169203331');
  });

  it('hashes anything else deterministically into a valid id', () => {
    const a = toTraceId('order-42');
    expect(isTraceId(a)).toBe(true);
    expect(toTraceId('order-42')).toBe(a);
    expect(toTraceId('order-43')).not.toBe(a);
    const s = toSpanId('step-1');
    expect(isSpanId(s)).toBe(true);
    expect(toSpanId('step-1')).toBe(s);
  });

  it('never keeps the all-zero (invalid) ids, and hashes wrong-length hex', () => {
    expect(toTraceId('0'.repeat(32))).not.toBe('0'.repeat(32));
    expect(isTraceId(toTraceId('0'.repeat(32)))).toBe(true);
    expect(toSpanId('0'.repeat(16))).not.toBe('0'.repeat(16));
    expect(isTraceId(toTraceId('abc'))).toBe(true);
    expect(toTraceId('ab'.repeat(16).slice(0, 31))).not.toBe('ab'.repeat(16).slice(0, 31));
    expect(isSpanId(toSpanId('0af7651916cd43dd8448eb211c80319c'))).toBe(true);
  });

  it('maps each id on its own, in any order of arrival (the last mapping is remembered)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('order-1', 'order-2', 'ABCDEF'.repeat(5) + 'AB', 'ab'.repeat(16)), { maxLength: 12 }),
        (ids) => {
          const first = new Map<string, string>();
          for (const id of ids) {
            const mapped = toTraceId(id);
            expect(mapped).toBe(first.get(id) ?? mapped);
            first.set(id, mapped);
          }
          if (first.size > 1) expect(new Set(first.values()).size).toBe(first.size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('always yields canonical ids (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), (s) => {
        expect(isTraceId(toTraceId(s))).toBe(true);
        expect(isSpanId(toSpanId(s))).toBe(true);
        expect(toTraceId(s)).toBe(toTraceId(s));
      }),
      { numRuns: 300 },
    );
  });

  it('derives a stable carrier span id per trace', () => {
    const t = newTraceId();
    expect(isSpanId(traceCarrierSpanId(t))).toBe(true);
    expect(traceCarrierSpanId(t)).toBe(traceCarrierSpanId(t));
    expect(traceCarrierSpanId(newTraceId())).not.toBe(traceCarrierSpanId(t));
  });
});

describe('sampling', () => {
  it('is all or nothing at the extremes and deterministic per trace', () => {
    const t = newTraceId();
    expect(sampledIn(t, 1)).toBe(true);
    expect(sampledIn(t, 0)).toBe(false);
    expect(sampledIn(t, 0.5)).toBe(sampledIn(t, 0.5));
  });

  it('keeps roughly the asked share of random traces', () => {
    let kept = 0;
    for (let i = 0; i < 20_000; i++) if (sampledIn(newTraceId(), 0.3)) kept++;
    expect(kept / 20_000).toBeGreaterThan(0.27);
    expect(kept / 20_000).toBeLessThan(0.33);
  });
});
