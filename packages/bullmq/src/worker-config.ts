import type { ExportWorkerOptions } from './export-worker.js';

/** A configuration problem the operator can fix; the message never contains a secret. */
export class WorkerConfigError extends Error {
  readonly code: string;
  readonly hint: string;
  constructor(code: string, message: string, hint: string) {
    super(`${message} ${hint}`);
    this.name = 'WorkerConfigError';
    this.code = code;
    this.hint = hint;
  }
}

/** What the CLI runs with: worker options plus where the probes listen. */
export interface WorkerConfig {
  redisUrl: string;
  queueName: string;
  probePort: number | undefined;
  worker: Omit<ExportWorkerOptions, 'connection' | 'queueName'>;
}

type Env = Record<string, string | undefined>;

function positiveInt(env: Env, name: string, flag: string | undefined): number | undefined {
  const raw = flag ?? env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new WorkerConfigError(
      'FUSEWIRE_WORKER_CONFIG',
      `${name} must be a whole number (got "${raw}").`,
      'Fix the variable or flag.',
    );
  }
  return value;
}

/**
 * Reads the CLI's settings: `REDIS_URL`, `LANGFUSE_BASE_URL` (or `LANGFUSE_BASEURL`),
 * `LANGFUSE_PUBLIC_KEY`, `LANGFUSE_SECRET_KEY`, and `FUSEWIRE_*` tuning variables; flags win.
 */
export function readWorkerConfig(
  env: Env,
  flags: Record<string, string | undefined> = {},
  needKeys = true,
): WorkerConfig {
  const publicKey = env.LANGFUSE_PUBLIC_KEY ?? '';
  const secretKey = env.LANGFUSE_SECRET_KEY ?? '';
  if (needKeys && (publicKey === '' || secretKey === '')) {
    throw new WorkerConfigError(
      'FUSEWIRE_WORKER_NO_KEYS',
      'LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY must be set for the worker.',
      'The workers hold the Langfuse keys (the apps need only REDIS_URL): set both in the worker environment.',
    );
  }
  const maxRequestsPerMinute = positiveInt(env, 'FUSEWIRE_MAX_REQUESTS_PER_MINUTE', flags['max-requests-per-minute']);
  const lockDurationMs = positiveInt(env, 'FUSEWIRE_LOCK_DURATION_MS', flags['lock-duration-ms']);
  const stalledIntervalMs = positiveInt(env, 'FUSEWIRE_STALLED_INTERVAL_MS', flags['stalled-interval-ms']);
  const timeoutMs = positiveInt(env, 'LANGFUSE_TIMEOUT_MS', undefined);
  return {
    redisUrl: flags.redis ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queueName: flags.queue ?? env.FUSEWIRE_QUEUE ?? 'fusewire',
    probePort: positiveInt(env, 'FUSEWIRE_PROBE_PORT', flags['probe-port']),
    worker: {
      baseUrl: env.LANGFUSE_BASE_URL ?? env.LANGFUSE_BASEURL ?? 'https://cloud.langfuse.com',
      publicKey,
      secretKey,
      concurrency: positiveInt(env, 'FUSEWIRE_WORKER_CONCURRENCY', flags.concurrency) ?? 4,
      ...(maxRequestsPerMinute ? { maxRequestsPerMinute } : {}),
      ...(lockDurationMs ? { lockDurationMs } : {}),
      ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
    },
  };
}
