import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXPORT_SLICE_MS, SlicePacer } from './slice-pacer.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Reads of a clock that advances `stepMs` per read, until the pacer says the slice is spent. */
function readsPerSlice(stepMs: number): number {
  let t = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (t += stepMs));
  const pacer = new SlicePacer(EXPORT_SLICE_MS);
  for (let n = 1; n < 1000; n++) if (pacer.due() !== undefined) return n;
  return Number.POSITIVE_INFINITY;
}

describe('SlicePacer', () => {
  it('export work gives the event loop a turn within 3 ms of work (a scavenge in the slice comes on top)', () => {
    // One millisecond per record: the slice ends after the third (a 5 ms slice ran five).
    expect(readsPerSlice(1)).toBeLessThanOrEqual(3);
  });

  it('starts a new slice after its turn', async () => {
    let t = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => t);
    const pacer = new SlicePacer(EXPORT_SLICE_MS);
    t = 10;
    const turn = pacer.due();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(pacer.due()).toBeUndefined();
  });
});
