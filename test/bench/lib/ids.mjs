import { randomBytes } from 'node:crypto';

/**
 * Cheap, unique W3C ids for trace number `i`: a random per-process prefix plus the counter, so ids
 * never collide across runs on one server and cost the caller a `toString(16)`, not a crypto call.
 */
export function createIds() {
  const tracePrefix = randomBytes(12).toString('hex'); // 24 hex
  const spanPrefix = randomBytes(4).toString('hex'); // 8 hex
  const hex8 = (n) => n.toString(16).padStart(8, '0');
  return {
    spanPrefix,
    traceId: (i) => tracePrefix + hex8(i),
    spanId: (i) => spanPrefix + hex8(2 * i),
    childId: (i) => spanPrefix + hex8(2 * i + 1),
  };
}
