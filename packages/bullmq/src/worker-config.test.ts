import { describe, expect, it } from 'vitest';
import { limiterFor } from './export-worker.js';
import { parseRedisUrl } from './redis-connection.js';
import { readWorkerConfig, WorkerConfigError } from './worker-config.js';

describe('worker configuration', () => {
  it('reads REDIS_URL, LANGFUSE_* and FUSEWIRE_*; flags win', () => {
    const config = readWorkerConfig(
      {
        REDIS_URL: 'redis://r:6380',
        LANGFUSE_BASEURL: 'http://lf',
        LANGFUSE_PUBLIC_KEY: 'pk',
        LANGFUSE_SECRET_KEY: 'sk',
        FUSEWIRE_WORKER_CONCURRENCY: '8',
        FUSEWIRE_MAX_REQUESTS_PER_MINUTE: '900',
      },
      { concurrency: '2', queue: 'q' },
    );
    expect(config).toMatchObject({ redisUrl: 'redis://r:6380', queueName: 'q' });
    expect(config.worker).toMatchObject({ baseUrl: 'http://lf', concurrency: 2, maxRequestsPerMinute: 900 });
  });

  it('refuses missing keys and bad numbers with a code and a hint, never echoing a secret', () => {
    expect(() => readWorkerConfig({ LANGFUSE_SECRET_KEY: 'sk-lf-hidden' })).toThrow(WorkerConfigError);
    try {
      readWorkerConfig({ LANGFUSE_SECRET_KEY: 'sk-lf-hidden' });
    } catch (error) {
      expect((error as WorkerConfigError).code).toBe('FUSEWIRE_WORKER_NO_KEYS');
      expect((error as Error).message).not.toContain('sk-lf-hidden');
    }
    expect(() =>
      readWorkerConfig({ LANGFUSE_PUBLIC_KEY: 'p', LANGFUSE_SECRET_KEY: 's', FUSEWIRE_PROBE_PORT: 'x' }),
    ).toThrow(/FUSEWIRE_PROBE_PORT/);
    expect(readWorkerConfig({}, {}, false).worker.publicKey).toBe('');
  });

  it('a per-minute rate becomes the smallest BullMQ window with the same rate', () => {
    expect(limiterFor(600)).toEqual({ max: 10, duration: 1000 });
    expect(limiterFor(90)).toEqual({ max: 2, duration: 1334 });
    expect(limiterFor(30)).toEqual({ max: 1, duration: 2000 });
  });

  it('parses redis URLs, password included, without leaking it elsewhere', () => {
    expect(parseRedisUrl('rediss://u:p%40ss@h:7000/2')).toEqual({
      host: 'h',
      port: 7000,
      username: 'u',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(() => parseRedisUrl('http://h')).toThrow(/redis:\/\//);
  });
});
