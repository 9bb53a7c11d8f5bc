import type { ConnectionOptions, RedisOptions } from 'bullmq';

/** Where Redis is: a `redis://` / `rediss://` URL, ioredis options, or a ready ioredis client. */
export type RedisConnection = string | ConnectionOptions;

/** ioredis options from a `redis://user:pass@host:port/db` (or `rediss://`) URL. */
export function parseRedisUrl(url: string): RedisOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss:// (got ${u.protocol}//)`);
  }
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function isClient(connection: ConnectionOptions): boolean {
  return typeof (connection as { duplicate?: unknown }).duplicate === 'function';
}

/**
 * Options for the app-side producer: fail fast while Redis is away (no offline queue, one try per
 * command), so an export hands back "retry later" at once instead of piling up in ioredis' memory.
 */
export function producerConnection(connection: RedisConnection): ConnectionOptions {
  if (typeof connection !== 'string' && isClient(connection)) return connection;
  const base = typeof connection === 'string' ? parseRedisUrl(connection) : (connection as RedisOptions);
  return {
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: base.connectTimeout ?? 2000,
    // Keep trying to come back, but never faster than every 500 ms nor slower than every 5 s.
    retryStrategy: (times: number) => Math.min(5000, 250 * 2 ** Math.min(times, 5)),
  };
}

/** Options for a worker: BullMQ needs `maxRetriesPerRequest: null` for its blocking connection. */
export function workerConnection(connection: RedisConnection): ConnectionOptions {
  if (typeof connection !== 'string' && isClient(connection)) return connection;
  const base = typeof connection === 'string' ? parseRedisUrl(connection) : (connection as RedisOptions);
  return {
    ...base,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(5000, 250 * 2 ** Math.min(times, 5)),
  };
}

/** `host:port` for log lines: never the password. */
export function describeConnection(connection: RedisConnection): string {
  try {
    if (typeof connection === 'string') {
      const u = new URL(connection);
      return `${u.protocol}//${u.hostname}:${u.port || 6379}`;
    }
    const o = (isClient(connection) ? (connection as { options?: RedisOptions }).options : connection) as RedisOptions;
    return `redis://${o?.host ?? '127.0.0.1'}:${o?.port ?? 6379}`;
  } catch {
    return 'redis';
  }
}
