import { createHash, randomFillSync } from 'node:crypto';

const ZERO32 = '00000000000000000000000000000000';
const ZERO16 = '0000000000000000';

// Random ids are cut from a pooled hex string: one syscall and one hex conversion per 16 KiB
// of randomness instead of one per id (ids are made on the caller's stack). A fill has a fixed
// cost of a few µs: at 4 KiB (170 root observations) it was ~6% of a fresh id.
const POOL_BYTES = 16384;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let hexPool = '';
let hexOffset = 0;

function randomHex(bytes: number): string {
  const chars = bytes * 2;
  if (hexOffset + chars > hexPool.length) {
    randomFillSync(pool);
    hexPool = pool.toString('hex');
    hexOffset = 0;
  }
  const hex = hexPool.slice(hexOffset, hexOffset + chars);
  hexOffset += chars;
  return hex;
}

/*
 * The all-zero check looks at the first character before comparing: an id is a slice of the pool,
 * and comparing a slice with a constant of the same length goes to the runtime (~190 instructions,
 * a quarter of making the id).
 */

/** A fresh W3C trace id: 32 lowercase hex characters, never all zeros. */
export function newTraceId(): string {
  const id = randomHex(16);
  return id.charCodeAt(0) === 48 && id === ZERO32 ? newTraceId() : id;
}

/** A fresh W3C span id: 16 lowercase hex characters, never all zeros. */
export function newSpanId(): string {
  const id = randomHex(8);
  return id.charCodeAt(0) === 48 && id === ZERO16 ? newSpanId() : id;
}

// The same caller id usually arrives several times (a trace and its observations):
// remember recent mappings instead of hashing each time. Cleared when full: cheap and bounded.
const MAPPED_CACHE_SIZE = 10_000;
const mapped = new Map<string, string>();

function hashHex(input: string, length: number): string {
  let out = mapped.get(input);
  if (out === undefined) {
    out = createHash('sha256').update(input).digest('hex').slice(0, length);
    if (mapped.size >= MAPPED_CACHE_SIZE) mapped.clear();
    mapped.set(input, out);
  }
  return out;
}

/**
 * The trace id Langfuse will show for a caller's id. Valid hex ids are kept (lowercased);
 * any other string is hashed, so the same input always lands on the same trace.
 */
export function toTraceId(id: string): string {
  // A trace's id arrives with the trace and again with each of its observations.
  if (id === lastTraceId) return lastTraceIdOut;
  lastTraceIdOut = canonicalTraceId(id);
  lastTraceId = id;
  return lastTraceIdOut;
}

let lastTraceId = '';
let lastTraceIdOut = '';

function canonicalTraceId(id: string): string {
  if (isLowerHex(id, 32)) return id;
  const lower = id.toLowerCase();
  if (isLowerHex(lower, 32)) return lower;
  return hashHex(`trace:${id}`, 32);
}

/** The span (observation) id for a caller's id; same rules as {@link toTraceId}. */
export function toSpanId(id: string): string {
  if (isLowerHex(id, 16)) return id;
  const lower = id.toLowerCase();
  if (isLowerHex(lower, 16)) return lower;
  return hashHex(`span:${id}`, 16);
}

/** A span id derived from a trace id, for the span that carries a trace's own fields. */
export function traceCarrierSpanId(traceId: string): string {
  return hashHex(`carrier:${traceId}`, 16);
}

// A char-code loop: several times cheaper than a regex here, and it runs per exported span.
function isLowerHex(id: string, length: number): boolean {
  if (id.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    if (c === 48) continue;
    if (!((c > 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    nonZero = true;
  }
  return nonZero;
}

/** Whether a string is already a canonical trace id: 32 lowercase hex, not all zeros. */
export function isTraceId(id: string): boolean {
  return isLowerHex(id, 32);
}

/** Whether a string is already a canonical span id: 16 lowercase hex, not all zeros. */
export function isSpanId(id: string): boolean {
  return isLowerHex(id, 16);
}

/** Deterministic sampling: the same trace id always gets the same decision. */
export function sampledIn(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  // The low 32 bits of a random id are uniform.
  return Number.parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < rate;
}
