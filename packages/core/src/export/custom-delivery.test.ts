import { afterEach, describe, expect, it } from 'vitest';
import { createFusewire, type Fusewire } from '../api/client.js';
import type { Delivery, DeliveryResult, ExportRequest } from '../seams/delivery.js';
import { captureLogger, expectBalanced, publish } from '../test-helpers.js';

/** A queue-like delivery: takes responsibility at once, as a BullMQ hand-off would. */
function queueDelivery(
  needsCredentials: boolean,
  answer: () => DeliveryResult = () => ({ kind: 'handed_off', to: 'q' }),
) {
  const requests: ExportRequest[] = [];
  let closed = 0;
  const delivery: Delivery = {
    name: 'queue',
    needsCredentials,
    async send(request) {
      // A job payload: the request must survive serialisation as it is.
      requests.push(JSON.parse(JSON.stringify(request)) as ExportRequest);
      return answer();
    },
    async close() {
      closed++;
    },
  };
  return { delivery, requests, closed: () => closed };
}

let client: Fusewire | undefined;
afterEach(async () => {
  await client?.shutdown(1_000);
  client = undefined;
});

const base = { flushIntervalMs: 20, flushOnExit: false } as const;

describe('createFusewire({ delivery })', () => {
  it('a delivery that needs no credentials runs without Langfuse keys and gets plain-data requests', async () => {
    const q = queueDelivery(false);
    const logger = captureLogger();
    client = createFusewire({ ...base, delivery: q.delivery, logger, publicKey: undefined, secretKey: undefined });
    expect(client.enabled).toBe(true);
    for (let i = 0; i < 3; i++) publish('span', { name: `job-${i}` });
    publish('score', { name: 'quality', value: 1, traceId: 'a'.repeat(32) });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 4, delivered: 4, pending: 0 });
    const endpoints = q.requests.map((r) => r.endpoint).sort();
    expect(endpoints).toEqual(['ingestion', 'otlp']);
    const otlp = q.requests.find((r) => r.endpoint === 'otlp')!;
    expect(otlp).toMatchObject({ path: '/api/public/otel/v1/traces', contentType: 'application/x-protobuf' });
    expect(otlp.eventIds).toHaveLength(3);
    expect(otlp.id).toMatch(/^[0-9a-f]{32}$/);
    expect(logger.withCode('FUSEWIRE_DISABLED')).toEqual([]);
    await client.shutdown(1_000);
    expect(q.closed()).toBe(1);
  });

  it('a delivery that needs credentials still needs the keys', () => {
    const logger = captureLogger();
    client = createFusewire({
      ...base,
      delivery: queueDelivery(true).delivery,
      logger,
      publicKey: undefined,
      secretKey: undefined,
    });
    expect(client.enabled).toBe(false);
    expect(logger.withCode('FUSEWIRE_DISABLED')).toHaveLength(1);
  });

  it('its answers go through the same retrying layer: a rejection dead-letters, counted once', async () => {
    const q = queueDelivery(false, () => ({ kind: 'rejected', code: 'QUEUE_REFUSED', message: 'queue says no' }));
    client = createFusewire({ ...base, delivery: q.delivery, logger: captureLogger() });
    publish('span', { name: 'refused' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.dropped.non_retryable).toBe(1);
    expect(client.deadLetters()[0]).toMatchObject({ reason: 'non_retryable', message: 'queue says no' });
  });

  it('an unusable delivery option warns and falls back to HTTP', () => {
    const logger = captureLogger();
    client = createFusewire({
      ...base,
      delivery: { send: 'no' } as unknown as Delivery,
      logger,
      publicKey: 'pk-lf-x',
      secretKey: 'sk-lf-x',
      baseUrl: 'http://127.0.0.1:9',
    });
    expect(client.enabled).toBe(true);
    expect(logger.withCode('FUSEWIRE_CONFIG').some((l) => l.obj.option === 'delivery')).toBe(true);
  });
});
