// A test "app instance": publishes traces through fusewire with the BullMQ delivery, then shuts down
// and prints one JSON line with what it counted. Env: REDIS_URL, QUEUE, TRACES (or UNTIL_STDIN=1 and
// INTERVAL_MS), APP (a name), and
// MODE=direct (plain HTTP to LANGFUSE_*) for comparisons.
import { channel } from 'node:diagnostics_channel';
import { createFusewire } from '@fusewire/core';
import { bullmqDelivery } from '../bullmq-delivery.js';

const traces = channel('langfuse.trace');
const spans = channel('langfuse.span');
const generations = channel('langfuse.generation');

const app = process.env.APP ?? 'app';
const count = Number(process.env.TRACES ?? 10);
const pauseEvery = Number(process.env.PAUSE_EVERY ?? 0);
const direct = process.env.MODE === 'direct';
const delivery = direct
  ? undefined
  : bullmqDelivery({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', queueName: process.env.QUEUE });
const fusewire = createFusewire({
  ...(delivery ? { delivery } : {}),
  flushIntervalMs: Number(process.env.FLUSH_MS ?? 50),
  logger: {
    error() {},
    warn: (o: object, m?: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`),
    info() {},
    debug() {},
  },
} as Parameters<typeof createFusewire>[0]);

function publishTrace(i: number): void {
  const traceId = `${app}-trace-${i}`;
  const started = Date.now();
  traces.publish({
    id: traceId,
    name: `request-${i}`,
    userId: `user-${app}`,
    sessionId: `session-${app}-${i % 3}`,
    tags: ['distributed', app],
    metadata: { app, i },
    input: { question: `q${i}` },
    output: { answer: `a${i}` },
  });
  const root = `${traceId}:root`;
  spans.publish({
    id: root,
    traceId,
    name: 'handle',
    startTime: started,
    endTime: started + 20,
    input: { i },
    output: { ok: true },
  });
  generations.publish({
    id: `${traceId}:llm`,
    traceId,
    parentObservationId: root,
    name: 'llm',
    model: 'gpt-4o',
    usageDetails: { input: 10 + i, output: 20 },
    startTime: started + 2,
    endTime: started + 18,
  });
}

let published = 0;
if (process.env.UNTIL_STDIN === '1') {
  // Publish one trace every INTERVAL_MS until the test writes a line to stdin: the app lives through
  // every fault the test stages.
  let stopped = false;
  process.stdin.once('data', () => {
    stopped = true;
  });
  const interval = Number(process.env.INTERVAL_MS ?? 50);
  while (!stopped) {
    publishTrace(published++);
    await new Promise((r) => setTimeout(r, interval));
  }
  process.stdin.destroy();
} else {
  for (; published < count; published++) {
    publishTrace(published);
    if (pauseEvery > 0 && published % pauseEvery === pauseEvery - 1) await new Promise((r) => setTimeout(r, 100));
  }
}
const stats = await fusewire.shutdown(30_000);
process.stdout.write(
  `${JSON.stringify({ app, published, stats, delivery: delivery?.stats(), cpu: process.cpuUsage() })}\n`,
);
