import { createHash } from 'node:crypto';

const MAX_ID = 180;

/**
 * The BullMQ job id of a request: the request id itself (deterministic from the events it carries), so
 * adding the same request twice keeps one job. BullMQ refuses integer ids and ':'; long ids are hashed.
 */
export function jobIdFor(requestId: string): string {
  const safe = `fw-${requestId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  return safe.length <= MAX_ID ? safe : `fw-h${createHash('sha256').update(requestId).digest('hex')}`;
}

/** A derived request id (split half, 207 remainder, dead letter): stable for the same parent and events. */
export function derivedRequestId(parentId: string, tag: string, eventIds: readonly string[]): string {
  const hash = createHash('sha256');
  for (const id of eventIds) hash.update(id).update('\n');
  return `${parentId}.${tag}${hash.digest('hex').slice(0, 12)}`;
}
