// Child of bullmq-scale.mjs: publishes TRACES traces (trace + span + generation) through fusewire in
// MODE=bullmq (hand-off to Redis) or MODE=direct (HTTP to the server), shuts down, and prints the CPU
// this process spent from the first publish to the end of shutdown.
import dc from 'node:diagnostics_channel';
import { bullmqDelivery } from '@fusewire/bullmq';
import { createFusewire } from '@fusewire/core';

const { MODE, TRACES, QUEUE, REDIS_URL, BASE_URL, PUBLIC_KEY, SECRET_KEY } = process.env;
const count = Number(TRACES);
const options =
  MODE === 'bullmq'
    ? { delivery: bullmqDelivery({ connection: REDIS_URL, queueName: QUEUE }) }
    : { baseUrl: BASE_URL, publicKey: PUBLIC_KEY, secretKey: SECRET_KEY };
const fusewire = createFusewire({ ...options, maxQueueSize: 400_000, maxQueueBytes: 512 * 1024 * 1024 });
const traces = dc.channel('langfuse.trace');
const spans = dc.channel('langfuse.span');
const generations = dc.channel('langfuse.generation');
const tick = () => new Promise((r) => setImmediate(r));

// Warm-up (JIT, connections), not measured.
const publish = (tag, i) => {
  const traceId = `bench-${tag}-${i}`;
  const start = Date.now();
  traces.publish({ id: traceId, name: 'bench-trace', userId: 'user-1', input: { question: 'What is fusewire?' } });
  spans.publish({
    id: `${traceId}:s`,
    traceId,
    name: 'retrieve',
    input: 'q',
    output: 'a',
    startTime: start,
    endTime: start + 1,
  });
  generations.publish({
    id: `${traceId}:g`,
    traceId,
    parentObservationId: `${traceId}:s`,
    name: 'chat',
    model: 'gpt-4o',
    usageDetails: { input: 12, output: 34 },
    startTime: start,
    endTime: start + 2,
  });
};
for (let i = 0; i < 500; i++) publish('warm', i);
await fusewire.flush(10_000);

const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  publish('run', i);
  if (i % 500 === 499) await tick();
}
const stats = await fusewire.shutdown(60_000);
const cpu = process.cpuUsage(c0);
process.stdout.write(
  `${JSON.stringify({ mode: MODE, traces: count, events: count * 3, cpuNs: (cpu.user + cpu.system) * 1000, wallMs: performance.now() - t0, stats })}\n`,
);
