import { describe, expect, it } from 'vitest';
import { answerCap, readCapped } from './response-body.js';

describe('readCapped', () => {
  it('stops pulling an endless body at the cap and closes it', async () => {
    let pulled = 0;
    let closed = false;
    async function* endless() {
      try {
        for (;;) {
          pulled++;
          yield new Uint8Array(1000).fill(120);
        }
      } finally {
        closed = true;
      }
    }
    const text = await readCapped(endless(), 4096);
    expect(text).toHaveLength(4096);
    expect(pulled).toBe(5);
    expect(closed).toBe(true);
  });

  it('returns a short body whole, multi-byte characters included', async () => {
    async function* body() {
      yield Buffer.from('{"ok":');
      yield Buffer.from('"é"}');
    }
    expect(await readCapped(body(), 4096)).toBe('{"ok":"é"}');
  });
});

describe('answerCap', () => {
  it('is a few KB, grows with the events a 207 may name, and never passes 1 MiB', () => {
    expect(answerCap(0)).toBe(4096);
    expect(answerCap(100)).toBeGreaterThan(100 * 100);
    expect(answerCap(1e9)).toBe(1 << 20);
  });
});
