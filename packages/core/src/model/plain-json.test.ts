import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { plainJson } from './plain-json.js';
import { serializeJson } from './safe-json.js';

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

  it('leaves the rest to the safe writer', () => {
    const shared = { x: 1 };
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
      { a: shared, b: shared },
      circular,
      hostile,
      Object.setPrototypeOf(new Error('e'), Object.prototype),
      { toJSON: () => 'x' },
      { long: 'x'.repeat(200) },
      Array.from({ length: 100 }, (_, i) => i),
    ]) {
      expect(plainJson(v, 100, 10_000)).toBeUndefined();
    }
  });
});
