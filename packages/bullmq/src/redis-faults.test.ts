import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmqDelivery } from './bullmq-delivery.js';
import { type RedisHarness, startRedisHarness } from './redis-harness.js';
import { dropQueue, otlpRequest, uniqueQueueName } from './test-support.js';

// The app side while Redis misbehaves: send() answers "retry later" at once, never throws, and the
// trouble is logged once (and its end once) however many exports hit it.

let redis: RedisHarness;
const signal = new AbortController().signal;
const unexpected: unknown[] = [];
const record = (e: unknown) => unexpected.push(e);

beforeAll(async () => {
  redis = await startRedisHarness();
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
});
afterAll(async () => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
  await redis.close();
});

function capture() {
  const lines: string[] = [];
  const push = (_: object, msg?: string) => lines.push(msg ?? '');
  return { lines, logger: { error: push, warn: push, info: push, debug: push } };
}

describe('app side with Redis in trouble', () => {
  it('Redis stopped and restarted: retryable at once, logged once, flows again', async () => {
    const { lines, logger } = capture();
    const queueName = uniqueQueueName('restart');
    const delivery = bullmqDelivery({ connection: redis.url, queueName, logger, enqueueTimeoutMs: 1000 });
    expect((await delivery.send(otlpRequest(2), signal)).kind).toBe('handed_off');

    await redis.stop();
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const result = await delivery.send(otlpRequest(2), signal);
      expect(result).toMatchObject({ kind: 'retryable', code: 'REDIS_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(1500);
    }
    expect(lines.filter((l) => l.startsWith('Redis unavailable'))).toHaveLength(1);
    expect(delivery.stats()).toMatchObject({ enqueueFailures: 5, redisAvailable: false });

    await redis.start();
    await expect
      .poll(async () => (await delivery.send(otlpRequest(2), signal)).kind, { timeout: 15_000, interval: 250 })
      .toBe('handed_off');
    expect(lines.filter((l) => l.startsWith('Redis is back'))).toHaveLength(1);
    expect(delivery.stats().redisAvailable).toBe(true);
    await delivery.close();
    await dropQueue(queueName, { host: '127.0.0.1', port: redis.port });
    expect(unexpected).toEqual([]);
  });

  it('Redis out of memory: REDIS_OOM, then flows when memory is back', async () => {
    const { logger } = capture();
    const queueName = uniqueQueueName('oom');
    const delivery = bullmqDelivery({ connection: redis.url, queueName, logger });
    expect((await delivery.send(otlpRequest(1), signal)).kind).toBe('handed_off');
    await redis.starve();
    expect(await delivery.send(otlpRequest(1), signal)).toMatchObject({ kind: 'retryable', code: 'REDIS_OOM' });
    await redis.relieve();
    expect((await delivery.send(otlpRequest(1), signal)).kind).toBe('handed_off');
    await delivery.close();
    await dropQueue(queueName, { host: '127.0.0.1', port: redis.port });
    expect(unexpected).toEqual([]);
  });

  it('Redis never there: close() is fast and nothing escapes', async () => {
    const delivery = bullmqDelivery({
      connection: 'redis://127.0.0.1:1',
      queueName: uniqueQueueName('none'),
      logger: capture().logger,
    });
    expect((await delivery.send(otlpRequest(1), signal)).kind).toBe('retryable');
    const started = Date.now();
    await delivery.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(unexpected).toEqual([]);
  });
});
