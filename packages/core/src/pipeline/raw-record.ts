import type { ContextStore } from '../api/context.js';

/** What the hot path stores per publish: the caller's message (a shallow copy), untouched until the drain. */
export interface RawRecord {
  /** Channel kind: trace, score, or an observation type. */
  kind: string;
  /** The shallow copy; undefined when the hot path could not even copy it (see `problem`). */
  message: Record<string, unknown> | undefined;
  /** Accept time, epoch ms: the end time of an observation that has none. */
  acceptedAt: number;
  /** The instrumentation context it was published in. */
  context: ContextStore | undefined;
  /** Estimated bytes, counted against `maxQueueBytes` until the drain knows the real size. */
  bytes: number;
  /** Flush epoch at acceptance. */
  epoch: number;
  /** Why the hot path could not copy the message. */
  problem?: string;
}
