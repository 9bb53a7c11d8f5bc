#!/usr/bin/env node
// @fusewire/bullmq bench (standalone; needs Redis on 127.0.0.1:6379 and built packages):
//   1. delivered events/s with 1, 2 and 4 fusewire-worker processes draining a pre-filled queue;
//   2. app-side CPU per event, BullMQ hand-off vs direct HTTP.
//
//   node scenarios/bullmq-scale.mjs [--events=40000] [--spans-per-job=100] [--workers=1,2,4] [--traces=10000]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bullmqDelivery } from '@fusewire/bullmq';
import { startLangfuseServer } from '@fusewire/test-server';
import { Queue } from 'bullmq';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '40000' },
    'spans-per-job': { type: 'string', default: '100' },
    workers: { type: 'string', default: '1,2,4' },
    traces: { type: 'string', default: '10000' },
  },
});
const EVENTS = Number(flags.events);
const PER_JOB = Number(flags['spans-per-job']);
const REDIS_URL = 'redis://127.0.0.1:6379';
const require = createRequire(import.meta.url);
const CLI = require.resolve('@fusewire/bullmq/package.json').replace(/package\.json$/, 'dist/cli.js');
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const hex = (n) => randomBytes(n).toString('hex');

const server = await startLangfuseServer({ keepBodies: false });

function request(n) {
  const traceId = hex(16);
  const now = `${BigInt(Date.now()) * 1_000_000n}`;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: hex(8),
    name: `span-${i}`,
    kind: 1,
    startTimeUnixNano: now,
    endTimeUnixNano: now,
    attributes: [
      { key: 'langfuse.observation.type', value: { stringValue: 'span' } },
      { key: 'langfuse.observation.input', value: { stringValue: '{"question":"What is fusewire?"}' } },
    ],
    status: { code: 0 },
  }));
  const body = JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }],
  });
  return {
    id: `bench-${spans[0].spanId}`,
    endpoint: 'otlp',
    path: '/api/public/otel/v1/traces',
    contentType: 'application/json',
    body,
    eventIds: spans.map((s) => s.spanId),
  };
}

async function drop(name) {
  const q = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 } });
  await q.obliterate({ force: true }).catch(() => {});
  await q.close();
}

async function scaleOut(workers) {
  const queueName = `fusewire-bench-${process.pid}-${workers}`;
  server.reset();
  const app = bullmqDelivery({ connection: REDIS_URL, queueName });
  const signal = new AbortController().signal;
  for (let i = 0; i < EVENTS / PER_JOB; i++) await app.send(request(PER_JOB), signal);
  await app.close();
  const env = {
    PATH: process.env.PATH,
    REDIS_URL,
    FUSEWIRE_QUEUE: queueName,
    LANGFUSE_BASE_URL: server.url,
    LANGFUSE_PUBLIC_KEY: server.publicKey,
    LANGFUSE_SECRET_KEY: server.secretKey,
    FUSEWIRE_WORKER_CONCURRENCY: '4',
  };
  const t0 = Date.now();
  const children = Array.from({ length: workers }, () => spawn(process.execPath, [CLI], { env, stdio: 'ignore' }));
  await server.waitFor((r) => r.counts.uniqueSpans >= EVENTS, 300_000);
  const requests = server.received.requests.filter((r) => r.endpoint === 'otlp');
  const first = Math.min(...requests.map((r) => r.at));
  const last = Math.max(...requests.map((r) => r.at));
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await drop(queueName);
  const drainMs = last - first;
  return {
    workers,
    events: EVENTS,
    jobs: EVENTS / PER_JOB,
    drainMs,
    eventsPerSecond: Math.round((EVENTS / Math.max(1, drainMs)) * 1000),
    withStartupMs: last - t0,
    duplicates: server.received.counts.duplicateSpans,
  };
}

function appCost(mode) {
  const queueName = `fusewire-bench-app-${process.pid}`;
  server.reset();
  const env = {
    PATH: process.env.PATH,
    MODE: mode,
    TRACES: flags.traces,
    QUEUE: queueName,
    REDIS_URL,
    BASE_URL: server.url,
    PUBLIC_KEY: server.publicKey,
    SECRET_KEY: server.secretKey,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here('./bullmq-app.mjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('exit', async (code) => {
      await drop(queueName);
      if (code !== 0) return reject(new Error(`app child (${mode}) exited ${code}`));
      const r = JSON.parse(out.trim().split('\n').pop());
      resolve({
        mode,
        events: r.events,
        cpuUsPerEvent: +(r.cpuNs / r.events / 1000).toFixed(2),
        wallMs: Math.round(r.wallMs),
        delivered: r.stats.delivered,
        enqueued: r.stats.enqueued,
      });
    });
  });
}

const scale = [];
for (const w of flags.workers.split(',').map(Number)) {
  console.error(`scale-out: ${w} worker(s)…`);
  scale.push(await scaleOut(w));
}
const app = [];
for (const mode of ['direct', 'bullmq']) {
  console.error(`app-side cost: ${mode}…`);
  app.push(await appCost(mode));
}
await server.close();

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}, node ${process.version}`;
const md = [
  `machine: ${machine}`,
  '',
  `| workers (concurrency 4 each) | events | jobs | drain ms | delivered events/s |`,
  '| ---: | ---: | ---: | ---: | ---: |',
  ...scale.map((s) => `| ${s.workers} | ${s.events} | ${s.jobs} | ${s.drainMs} | ${s.eventsPerSecond} |`),
  '',
  '| app mode | events | app CPU µs/event | wall ms (publish → shutdown) |',
  '| --- | ---: | ---: | ---: |',
  ...app.map((a) => `| ${a.mode} | ${a.events} | ${a.cpuUsPerEvent} | ${a.wallMs} |`),
].join('\n');
writeFileSync(here('../results.bullmq.json'), `${JSON.stringify({ machine, scale, app }, null, 2)}\n`);
console.log(md);
