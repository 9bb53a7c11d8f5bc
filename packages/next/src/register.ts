import { createFusewire, type Fusewire } from '@fusewire/core';
import type { RegisterOptions } from './types.js';

/**
 * Defaults for a Next.js server: serverless instances live briefly, so batches leave sooner.
 * An explicit option or the matching `LANGFUSE_*` environment variable still wins.
 */
const NEXT_FLUSH_INTERVAL_MS = 1_000;

/**
 * Starts fusewire from `instrumentation.ts`: `createFusewire(options)` with Next-friendly
 * defaults (`flushIntervalMs` 1000 unless `LANGFUSE_FLUSH_INTERVAL` or the option says
 * otherwise). Idempotent: a client already running in this process (from another bundled copy,
 * or `createFusewire()`) is returned as is. Tracing runs on the Node.js runtime only: on the edge
 * runtime this package resolves to a no-op build.
 *
 * @example
 * ```ts
 * // instrumentation.ts
 * export async function register() {
 *   if (process.env.NEXT_RUNTIME === 'nodejs') {
 *     (await import('@fusewire/next')).register({ environment: 'production' });
 *   }
 * }
 * ```
 */
export function register(options?: RegisterOptions): Fusewire {
  // createFusewire() returns the client already running in this process, if there is one.
  const defaults = process.env.LANGFUSE_FLUSH_INTERVAL === undefined ? { flushIntervalMs: NEXT_FLUSH_INTERVAL_MS } : {};
  return createFusewire({ ...defaults, ...options });
}
