/**
 * Promise: the queue's byte bound holds for what the process really retains, whatever the
 * events carry — object inputs and outputs included, not only strings. A child process
 * (--expose-gc) publishes fresh object graphs against a backend that is down, first in one
 * synchronous burst (nothing normalised yet), then paced; the heap after a full GC is compared
 * with `maxQueueBytes`, and `stats().queue.bytes` must tell the truth about it.
 */
import { describe, expect, it } from 'vitest';
import { startChild } from './support/child.js';
import { quickOrSoak, SOAK } from './support/env.js';

interface Phase {
  heap: number;
  stats: { enqueued: number; dropped: Record<string, number>; queue: { size: number; bytes: number } };
}

const MB = 1024 * 1024;
const shapes = ['rows', 'nested', 'numbers'] as const;
const sizes = quickOrSoak([40], [5, 50, 400]);
const maxQueueBytes = quickOrSoak(4, 16) * MB;

describe.each(shapes)('object outputs shaped as %s', (shape) => {
  it.each(sizes)(
    'about %i KB each: retained heap stays near maxQueueBytes; queue.bytes tells the truth',
    async (kb) => {
      // Offered: 10x the bound, so a bound that ignores objects would show as 10x the heap.
      const count = Math.ceil((10 * maxQueueBytes) / (kb * 1024));
      const child = startChild(
        'retained-objects.mjs',
        {
          FUSEWIRE_TEST_SHAPE: shape,
          FUSEWIRE_TEST_KB: String(kb),
          FUSEWIRE_TEST_COUNT: String(count),
          FUSEWIRE_TEST_MAX_BYTES: String(maxQueueBytes),
        },
        ['--expose-gc'],
      );
      const r = JSON.parse(await child.line('RESULT', SOAK ? 240_000 : 60_000)) as {
        burst: Phase;
        paced: Phase;
      };
      for (const [name, phase] of Object.entries(r)) {
        if (typeof phase !== 'object' || phase === null || !('heap' in phase)) continue;
        const p = phase as Phase;
        const label = `${name}: heap ${(p.heap / MB).toFixed(1)} MB, queue.bytes ${(p.stats.queue.bytes / MB).toFixed(1)} MB`;
        // What is really kept alive: at most about twice the bound (JS objects cost more than
        // their JSON) plus the client's own buffers; never the 10x that was offered.
        expect(p.heap, label).toBeLessThan(2.5 * maxQueueBytes + 8 * MB);
        // The bound itself: one event may land on top of it, never many.
        expect(p.stats.queue.bytes, label).toBeLessThanOrEqual(maxQueueBytes + (kb * 1024 * 4 + 4096));
        // Refusals are counted, not silent.
        expect(p.stats.dropped.queue_full, label).toBeGreaterThan(0);
        // queue.bytes is an estimate of the heap, not a fiction: within a factor of three.
        expect(p.stats.queue.bytes * 3 + 4 * MB, label).toBeGreaterThan(p.heap);
      }
    },
  );
});
