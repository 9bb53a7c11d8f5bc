#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startExportWorker } from './export-worker.js';
import { startProbeServer } from './probes.js';
import { openQueueAdmin } from './queue-admin.js';
import { readWorkerConfig, WorkerConfigError } from './worker-config.js';

const USAGE = `fusewire-worker: ships fusewire export jobs from a BullMQ queue on Redis to Langfuse

  fusewire-worker [run]             work the queue (REDIS_URL, LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY)
  fusewire-worker stats             job counts of the queue, JSON
  fusewire-worker dead-letters      failed jobs with the server's reason (--limit N, default 50), JSON
  fusewire-worker replay [ids...]   move failed jobs back to wait (all, or the given job ids)

  --queue NAME (FUSEWIRE_QUEUE, default fusewire)   --redis URL (REDIS_URL)
  --concurrency N (FUSEWIRE_WORKER_CONCURRENCY, 4)  --max-requests-per-minute N (FUSEWIRE_MAX_REQUESTS_PER_MINUTE)
  --probe-port N (FUSEWIRE_PROBE_PORT): GET /livez and /readyz
`;

async function run(config: ReturnType<typeof readWorkerConfig>): Promise<void> {
  const handle = startExportWorker({ connection: config.redisUrl, queueName: config.queueName, ...config.worker });
  const probes = config.probePort !== undefined ? await startProbeServer(handle, config.probePort) : undefined;
  process.stderr.write(
    `[fusewire-worker] working queue "${config.queueName}"${probes ? `, probes on :${probes.port}` : ''}\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // A second signal: the operator wants out now.
    stopping = true;
    process.stderr.write(`[fusewire-worker] ${signal}: finishing jobs in flight\n`);
    void Promise.all([handle.close(), probes?.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      queue: { type: 'string' },
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      'max-requests-per-minute': { type: 'string' },
      'probe-port': { type: 'string' },
      'lock-duration-ms': { type: 'string' },
      'stalled-interval-ms': { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'run', ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = readWorkerConfig(process.env, values as Record<string, string | undefined>, command === 'run');
  if (command === 'run') {
    await run(config);
    return -1; // keeps running
  }
  const admin = openQueueAdmin(config.redisUrl, config.queueName);
  try {
    if (command === 'stats') process.stdout.write(`${JSON.stringify(await admin.stats(), null, 2)}\n`);
    else if (command === 'dead-letters') {
      const limit = values.limit ? Number(values.limit) : 50;
      process.stdout.write(`${JSON.stringify(await admin.deadLetters(limit), null, 2)}\n`);
    } else if (command === 'replay')
      process.stdout.write(`${JSON.stringify({ replayed: await admin.replay(rest) })}\n`);
    else {
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
    }
    return 0;
  } finally {
    await admin.close();
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const e = error as Error & { code?: string };
    process.stderr.write(
      `[fusewire-worker] ${e instanceof WorkerConfigError ? `${e.code}: ` : ''}${e?.message ?? String(error)}\n`,
    );
    process.exit(1);
  },
);
