// Helpers for this package's tests (not exported from the package).
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { ExportRequest } from './seam.js';

export const REDIS_URL = process.env.FUSEWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A queue name no other test (or developer) on this Redis uses. */
export function uniqueQueueName(tag: string): string {
  return `fw-test-${tag}-${process.pid}-${hex(4)}`;
}

/** An OTLP/JSON request with `count` valid spans of one trace. */
export function otlpRequest(count: number, traceId = hex(16)): ExportRequest {
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: hex(8),
    name: `span-${i}`,
    kind: 1,
    startTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
    endTimeUnixNano: `${BigInt(Date.now() + 5) * 1_000_000n}`,
    attributes: [{ key: 'langfuse.observation.type', value: { stringValue: 'span' } }],
    status: { code: 0 },
  }));
  const body = JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'fusewire' }, spans }] }],
  });
  return {
    id: `otlp-${spans[0]?.spanId}-${count}`,
    endpoint: 'otlp',
    path: '/api/public/otel/v1/traces',
    contentType: 'application/json',
    body,
    eventIds: spans.map((s) => s.spanId),
  };
}

/** An ingestion batch of `count` valid span-create events. */
export function ingestionRequest(count: number): ExportRequest {
  const traceId = hex(16);
  const batch = Array.from({ length: count }, (_, i) => ({
    id: `ev-${hex(8)}`,
    timestamp: new Date().toISOString(),
    type: 'span-create',
    body: { id: hex(8), traceId, name: `span-${i}`, startTime: new Date().toISOString() },
  }));
  return {
    id: `ing-${batch[0]?.id}-${count}`,
    endpoint: 'ingestion',
    path: '/api/public/ingestion',
    contentType: 'application/json',
    body: JSON.stringify({ batch }),
    eventIds: batch.map((e) => e.id),
  };
}

/** Removes every key of a test queue. */
export async function dropQueue(name: string, connection: object = { host: '127.0.0.1', port: 6379 }): Promise<void> {
  const queue = new Queue(name, { connection });
  queue.on('error', () => {});
  try {
    await queue.obliterate({ force: true });
  } catch {
    // Redis gone already: nothing to clean.
  } finally {
    await queue.close().catch(() => {});
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
