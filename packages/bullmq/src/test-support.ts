// Helpers for this package's tests (not exported from the package).
import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { createFusewire } from '@fusewire/core';
import { Queue } from 'bullmq';
import type { Delivery, ExportRequest } from './seam.js';

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

/**
 * The OTLP request core itself assembles for one trace of `spans` spans (protobuf by default), caught
 * by a delivery that keeps it: real encoder output, not a hand-made body.
 */
export async function coreOtlpRequest(
  spans: number,
  options: { otlpEncoding?: 'protobuf' | 'json'; compression?: 'gzip' | 'none' } = {},
): Promise<ExportRequest> {
  const captured: ExportRequest[] = [];
  const delivery: Delivery = {
    name: 'capture',
    needsCredentials: false,
    async send(request) {
      captured.push(request);
      return { kind: 'delivered' };
    },
    async close() {},
  };
  const quietLogger = { error() {}, warn() {}, info() {}, debug() {} };
  const fusewire = createFusewire({ delivery, flushOnExit: false, logger: quietLogger, ...options });
  const traceId = `split-${hex(4)}`;
  channel('langfuse.trace').publish({ id: traceId, name: 'split-me', metadata: { spans } });
  for (let i = 0; i < spans; i++) {
    channel('langfuse.span').publish({
      id: `${traceId}:${i}`,
      traceId,
      name: `span-${i}`,
      startTime: 1_700_000_000_000 + i,
      endTime: 1_700_000_000_005 + i,
      input: { i, text: 'ü'.repeat(i) },
    });
  }
  await fusewire.shutdown(5_000);
  const otlp = captured.filter((r) => r.endpoint === 'otlp');
  if (otlp.length !== 1) throw new Error(`expected one OTLP request from core, got ${otlp.length}`);
  return otlp[0]!;
}
