import { describe, expect, it } from 'vitest';
import { createFlushCoalescer } from './flush-coalescer.js';

/** A flush whose calls the test finishes by hand. */
function heldFlush() {
  const pending: Array<() => void> = [];
  const flush = () => new Promise<void>((resolve) => pending.push(resolve));
  const finishOne = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { flush, pending, finishOne };
}

describe('createFlushCoalescer', () => {
  it('runs one flush at a time and folds every request made meanwhile into one trailing flush', async () => {
    const { flush, pending, finishOne } = heldFlush();
    const coalescer = createFlushCoalescer(flush);
    coalescer.request();
    for (let i = 0; i < 100; i++) coalescer.request();
    expect(coalescer.flushes).toBe(1);
    expect(pending).toHaveLength(1);
    await finishOne();
    expect(coalescer.flushes).toBe(2); // the trailing flush picks up what ended meanwhile
    await finishOne();
    expect(coalescer.flushes).toBe(2);
    await coalescer.idle();
    coalescer.request();
    expect(coalescer.flushes).toBe(3);
    await finishOne();
    await coalescer.idle();
  });

  it('survives a flush that throws or rejects', async () => {
    let calls = 0;
    const coalescer = createFlushCoalescer(() => {
      calls++;
      if (calls === 1) throw new Error('sync');
      return Promise.reject(new Error('async'));
    });
    coalescer.request();
    coalescer.request();
    await coalescer.idle();
    expect(calls).toBe(2);
    coalescer.request();
    await coalescer.idle();
    expect(calls).toBe(3);
  });

  it('idle() resolves at once when nothing is in flight', async () => {
    await createFlushCoalescer(() => undefined).idle();
  });
});
