// A worker: takes export jobs from Redis and ships them to Langfuse. Same as `npx fusewire-worker`,
// as code. Holds the Langfuse keys; the apps do not.
//
//   REDIS_URL=redis://127.0.0.1:6379 LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… node worker.mjs
import { startExportWorker } from '@fusewire/bullmq';

export function startWorker({ queueName = process.env.FUSEWIRE_QUEUE } = {}) {
  return startExportWorker({
    connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queueName,
    baseUrl: process.env.LANGFUSE_BASE_URL ?? 'https://cloud.langfuse.com',
    publicKey: process.env.LANGFUSE_PUBLIC_KEY ?? '',
    secretKey: process.env.LANGFUSE_SECRET_KEY ?? '',
    concurrency: 4,
    maxRequestsPerMinute: 900, // shared by every worker on this queue
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const worker = startWorker();
  console.log(`worker on queue "${worker.queueName}"`);
  process.once('SIGTERM', async () => {
    await worker.close(); // finishes the jobs in flight
    process.exit(0);
  });
}
