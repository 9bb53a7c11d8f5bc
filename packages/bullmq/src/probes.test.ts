import { afterEach, describe, expect, it } from 'vitest';
import { bullmqDelivery } from './bullmq-delivery.js';
import { type ExportWorkerHandle, startExportWorker } from './export-worker.js';
import { startProbeServer } from './probes.js';
import type { Delivery } from './seam.js';
import { dropQueue, otlpRequest, REDIS_URL, sleep, uniqueQueueName } from './test-support.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Langfuse that takes `ms` to answer each request. */
const slowSender = (ms: number): Delivery => ({
  name: 'slow',
  needsCredentials: true,
  send: () => new Promise((resolve) => setTimeout(() => resolve({ kind: 'delivered' }), ms)),
  close: async () => {},
});

describe('worker probes', () => {
  it('not live while jobs wait and none completes within stallThresholdMs; live again after', async () => {
    const queueName = uniqueQueueName('live');
    const app = bullmqDelivery({ connection: REDIS_URL, queueName, logger: quiet });
    const worker: ExportWorkerHandle = startExportWorker({
      connection: REDIS_URL,
      queueName,
      baseUrl: 'http://127.0.0.1:9',
      publicKey: 'pk',
      secretKey: 'sk',
      concurrency: 1,
      stallThresholdMs: 300,
      sender: slowSender(1500),
      logger: quiet,
    });
    const probes = await startProbeServer(worker, 0, '127.0.0.1');
    cleanups.push(async () => {
      await probes.close();
      await app.close();
      await worker.close();
      await dropQueue(queueName);
    });
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) await app.send(otlpRequest(1), signal);
    const url = (path: string) => `http://127.0.0.1:${probes.port}${path}`;
    expect((await fetch(url('/readyz'))).status).toBe(200);
    await sleep(600);
    // One job in flight for 1.5 s, two waiting, nothing completed for 600 ms > 300 ms.
    expect((await fetch(url('/livez'))).status).toBe(503);
    await expect.poll(async () => (await fetch(url('/livez'))).status, { timeout: 5000, interval: 50 }).toBe(200);
  });
});
