import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BullmqDelivery, bullmqDelivery } from './bullmq-delivery.js';
import { type ExportWorkerHandle, startExportWorker } from './export-worker.js';
import type { ExportRequest } from './seam.js';
import {
  coreOtlpRequest,
  dropQueue,
  ingestionRequest,
  otlpRequest,
  REDIS_URL,
  uniqueQueueName,
} from './test-support.js';

let server: LangfuseTestServer;
const cleanups: Array<() => Promise<void>> = [];
const signal = new AbortController().signal;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  server.reset();
});

function setup(tag: string, workerOptions: Partial<Parameters<typeof startExportWorker>[0]> = {}, workers = 1) {
  const queueName = uniqueQueueName(tag);
  const app = bullmqDelivery({ connection: REDIS_URL, queueName, backoffMs: 100, logger: quiet });
  const handles: ExportWorkerHandle[] = [];
  for (let i = 0; i < workers; i++) {
    handles.push(
      startExportWorker({
        connection: REDIS_URL,
        queueName,
        baseUrl: server.url,
        publicKey: server.publicKey,
        secretKey: server.secretKey,
        logger: quiet,
        ...workerOptions,
      }),
    );
  }
  cleanups.push(async () => {
    await app.close();
    for (const h of handles) await h.close();
    await dropQueue(queueName);
  });
  return { app, workers: handles, queueName, queue: () => trackedQueue(queueName) };
}

function trackedQueue(name: string): Queue {
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 } });
  cleanups.push(() => queue.close());
  return queue;
}

async function handOff(app: BullmqDelivery, request: ExportRequest) {
  expect(await app.send(request, signal)).toEqual({ kind: 'handed_off', to: `bullmq:${app.queueName}` });
}

describe('export worker', () => {
  it('ships a handed-off request; the job holds a compressed body and no secret', async () => {
    const { app, queue } = setup('ship');
    const request = otlpRequest(5);
    await handOff(app, request);
    await handOff(app, request); // same request id: still one job
    const jobs = await queue().getJobs(['wait', 'active', 'completed']);
    const raw = JSON.stringify(jobs.map((j) => j.data));
    expect(raw).not.toContain(server.secretKey);
    await server.waitFor((r) => r.counts.uniqueSpans === 5);
    expect(server.received.counts.duplicateSpans).toBe(0);
    expect(app.stats()).toMatchObject({ handedOff: 2, redisAvailable: true });
  });

  it("a 429's Retry-After pauses the whole queue, then every event arrives once", async () => {
    server.script({ endpoint: 'otlp', status: 429, retryAfter: '1' });
    const { app, workers } = setup('pause', { concurrency: 1 }, 2);
    for (let i = 0; i < 4; i++) await handOff(app, otlpRequest(2));
    await server.waitFor((r) => r.counts.uniqueSpans === 8, 10_000);
    const requests = server.received.requests.filter((r) => r.endpoint === 'otlp');
    const limited = requests.find((r) => r.status === 429)!;
    const later = requests.filter((r) => r.at > limited.at);
    // Nothing new was sent by either worker during the second Langfuse asked for; only the other
    // worker's job already on its way when the 429 came may arrive just after it.
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((r) => r.at - limited.at < 200).length).toBeLessThanOrEqual(1);
    expect(later.filter((r) => r.at - limited.at >= 200 && r.at - limited.at < 950)).toEqual([]);
    expect(server.received.counts.duplicateSpans).toBe(0);
    expect(workers[0]!.stats().queuePauses + workers[1]!.stats().queuePauses).toBeGreaterThanOrEqual(1);
  });

  it('a 503 without Retry-After is retried with backoff', async () => {
    server.script({ endpoint: 'otlp', status: 503, times: 2 });
    const { app } = setup('backoff');
    await handOff(app, otlpRequest(3));
    await server.waitFor((r) => r.counts.uniqueSpans === 3, 10_000);
    expect(server.received.requests.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it('a 207 re-sends only the 5xx entries; refused ones go to the failed set with the message', async () => {
    const request = ingestionRequest(3);
    const [retryId, badId] = request.eventIds;
    let failedOnce = false;
    server.script({
      endpoint: 'ingestion',
      perEvent: (event) => {
        if (event.id === badId) return { status: 400, message: 'usage must be an integer' };
        if (event.id === retryId && !failedOnce) {
          failedOnce = true;
          return { status: 500, message: 'try again' };
        }
        return undefined;
      },
    });
    const { app, queue } = setup('partial');
    await handOff(app, request);
    await server.waitFor((r) => r.counts.uniqueEvents === 2, 10_000);
    const q = queue();
    await expect.poll(() => q.getFailedCount(), { timeout: 10_000 }).toBe(1);
    const [dead] = await q.getFailed();
    expect(dead!.failedReason).toContain('usage must be an integer');
    expect(dead!.data.eventIds).toEqual([badId]);
    const ingestion = server.received.requests.filter((r) => r.endpoint === 'ingestion');
    expect(ingestion.map((r) => r.eventCount)).toEqual([3, 1]);
    expect(server.received.eventIds().has(badId!)).toBe(false);
  });

  it('a 413 splits the job until the halves fit', async () => {
    server.script({ endpoint: 'otlp', status: 413, times: 2 });
    const { app, workers } = setup('split');
    await handOff(app, otlpRequest(6));
    await server.waitFor((r) => r.counts.uniqueSpans === 6, 10_000);
    expect(server.received.counts.duplicateSpans).toBe(0);
    expect(workers[0]!.stats().splits).toBe(2);
  });

  it("a 413 splits core's gzipped protobuf request too, until the halves fit", async () => {
    server.script({ endpoint: 'otlp', status: 413, times: 2 });
    const { app, workers } = setup('split-protobuf');
    const request = await coreOtlpRequest(6, { compression: 'gzip' });
    expect(request.contentType).toBe('application/x-protobuf');
    await handOff(app, request);
    await server.waitFor((r) => r.counts.uniqueSpans === 6, 10_000);
    expect(server.received.counts.duplicateSpans).toBe(0);
    expect(workers[0]!.stats()).toMatchObject({ splits: 2, eventsDeadLettered: 0 });
    // The trace's fields still reach every span that carries them, in whichever half it went.
    expect(server.received.traces().map((t) => t.name)).toEqual(['split-me']);
  });

  it('a non-retryable answer goes to the failed set at once with the server message', async () => {
    server.script({ endpoint: 'otlp', status: 400, body: '{"message":"traceId must be 32 hex"}' });
    const { app, queue } = setup('reject');
    await handOff(app, otlpRequest(2));
    const q = queue();
    await expect.poll(() => q.getFailedCount(), { timeout: 10_000 }).toBe(1);
    const [dead] = await q.getFailed();
    expect(dead!.failedReason).toContain('traceId must be 32 hex');
    expect(dead!.attemptsMade).toBe(1);
  });

  it('maxRequestsPerMinute holds across two workers', async () => {
    // 600/min = 10 per second: 30 single-request jobs need at least two more windows after the first.
    const { app } = setup('limit', { concurrency: 5, maxRequestsPerMinute: 600 }, 2);
    for (let i = 0; i < 30; i++) await handOff(app, otlpRequest(1));
    await server.waitFor((r) => r.counts.uniqueSpans === 30, 15_000);
    const at = server.received.requests.filter((r) => r.endpoint === 'otlp').map((r) => r.at);
    expect(at[at.length - 1]! - at[0]!).toBeGreaterThanOrEqual(1900);
    for (const start of at) expect(at.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(20);
  });
});
