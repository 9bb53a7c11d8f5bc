import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FlushEpochs } from './flush-epochs.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FlushEpochs', () => {
  it('a flush waits for its epoch and every older one, not for events admitted after it', async () => {
    const epochs = new FlushEpochs();
    const first = epochs.admit();
    const sealed = epochs.seal();
    const later = epochs.admit();
    let done = false;
    void epochs.wait(sealed, 10_000).then(() => {
      done = true;
    });
    epochs.settle(later);
    await Promise.resolve();
    expect(done).toBe(false);
    epochs.settle(first);
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });

  it('an empty epoch is done at once', async () => {
    const epochs = new FlushEpochs();
    await expect(epochs.wait(epochs.seal(), 10_000)).resolves.toBe(true);
    expect(epochs.waiting).toBe(0);
  });

  it('waiters leave at their deadline: thousands of expired flushes leave nothing behind (#12 item 4)', async () => {
    const epochs = new FlushEpochs();
    epochs.admit(); // never settles: the backend is down
    const results: Array<Promise<boolean>> = [];
    for (let i = 0; i < 300; i++) {
      epochs.admit();
      results.push(epochs.wait(epochs.seal(), 100));
    }
    expect(epochs.waiting).toBe(300);
    await vi.advanceTimersByTimeAsync(100);
    expect(await Promise.all(results)).toEqual(results.map(() => false));
    expect(epochs.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waking costs only the waiters that are done', async () => {
    const epochs = new FlushEpochs();
    const events: number[] = [];
    const waits: Array<Promise<boolean>> = [];
    for (let i = 0; i < 3; i++) {
      events.push(epochs.admit());
      waits.push(epochs.wait(epochs.seal(), 10_000));
    }
    epochs.settle(events[0]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(epochs.waiting).toBe(2);
    epochs.settle(events[2]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(epochs.waiting).toBe(2); // epoch 1 still open: the newest waiter must wait for it
    epochs.settle(events[1]!);
    expect(await Promise.all(waits)).toEqual([true, true, true]);
    expect(epochs.sealedOpen).toBe(0);
  });
});
