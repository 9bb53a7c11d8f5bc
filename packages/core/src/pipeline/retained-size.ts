/**
 * About how much memory a caller's value keeps alive while its event waits to be normalised,
 * from a fixed number of reads: the hot path may look, but not walk. Arrays and wide objects
 * are sampled and scaled, deep parts past the budget get a flat guess. Once the event is
 * normalised its real size is known and the byte bound is checked again.
 */
const READS = 48;
const SAMPLE = 8;
const MAX_DEPTH = 6;
/** What a part of the value the budget did not reach is assumed to keep alive. */
const UNSEEN = 256;
/** Heap a string, number or object costs beyond its characters (V8: headers, slots). */
const STRING = 16;
const SLOT = 8;
const OBJECT = 24;

/**
 * Reads left for the current estimate. Module state rather than an object per call: this runs
 * on the publisher's stack. Saved and restored around each estimate, so one that a getter
 * starts inside another (a publish from a getter) cannot spend the outer one's reads.
 */
let left = 0;

/** Estimated bytes retained by `value`; constant work, never throws. */
export function retainedSize(value: unknown): number {
  if (typeof value === 'string') return STRING + value.length;
  if (typeof value !== 'object' || value === null) return SLOT;
  const outer = left;
  left = READS;
  try {
    return Math.round(sizeOf(value, 0));
  } catch {
    // A hostile value (revoked Proxy, throwing getter): the drain will find out what it is.
    return UNSEEN;
  } finally {
    left = outer;
  }
}

function sizeOf(v: unknown, depth: number): number {
  if (typeof v === 'string') return STRING + v.length;
  if (typeof v !== 'object' || v === null) return SLOT;
  if (left <= 0 || depth >= MAX_DEPTH) return UNSEEN;
  left--;
  if (ArrayBuffer.isView(v)) return OBJECT + v.byteLength;
  if (v instanceof ArrayBuffer) return OBJECT + v.byteLength;
  if (v instanceof Map || v instanceof Set) return OBJECT + v.size * (2 * SLOT + UNSEEN);
  if (Array.isArray(v)) {
    const n = v.length;
    if (n === 0) return OBJECT;
    // Up to SAMPLE evenly spaced items, scaled to all `n`.
    const k = Math.min(n, SAMPLE);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += sizeOf(v[Math.floor((j * n) / k)], depth + 1);
    return OBJECT + n * SLOT + (sum / k) * n;
  }
  if (v instanceof Error) return OBJECT + (typeof v.stack === 'string' ? v.stack.length : UNSEEN);
  const keys = Object.keys(v);
  const n = keys.length;
  if (n === 0) return OBJECT;
  const o = v as Record<string, unknown>;
  const k = Math.min(n, SAMPLE);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += sizeOf(o[keys[Math.floor((j * n) / k)]!], depth + 1);
  return OBJECT + n * (2 * SLOT) + (sum / k) * n;
}
