#!/usr/bin/env node
// What @fusewire/metrics costs per event: the same burst of traces (a span and a generation with
// usage each) published with fusewire running, without and with collectMetrics, each variant in a
// fresh child process, rounds interleaved. Caller = the publish loop; total = publish + flush (the
// pipeline, the self-telemetry messages and the metrics' own work).
//
//   node metrics.mjs            # 5 rounds × 20000 traces
//   node metrics.mjs --smoke
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { values: flags } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, variant: { type: 'string' }, servers: { type: 'string' } },
});
const SIZE = flags.smoke ? { rounds: 1, traces: 2000 } : { rounds: 5, traces: 20_000 };
const VARIANTS = ['fusewire', 'fusewire + metrics'];

if (flags.variant) await child(flags.variant, JSON.parse(flags.servers));
else await runner();

async function child(variant, servers) {
  const dc = await import('node:diagnostics_channel');
  const { createFusewire } = await import('@fusewire/core');
  const { url, publicKey, secretKey } = servers.langfuse;
  const fusewire = createFusewire({ baseUrl: url, publicKey, secretKey, flushOnExit: false, maxQueueSize: 1_000_000 });
  if (variant === 'fusewire + metrics') {
    const { collectMetrics } = await import('@fusewire/metrics');
    const { Registry } = await import('prom-client');
    collectMetrics(fusewire, { register: new Registry() });
  }
  const span = dc.channel('langfuse.span');
  const generation = dc.channel('langfuse.generation');
  const usage = { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33 };
  const publish = (n, offset) => {
    const t = Date.now();
    for (let i = 0; i < n; i++) {
      const traceId = (offset + i + 1).toString(16).padStart(32, '0');
      span.publish({
        id: (offset + i + 1).toString(16).padStart(16, '0'),
        traceId,
        name: 'step',
        startTime: t,
        endTime: t + 3,
      });
      generation.publish({
        traceId,
        name: 'chat',
        model: 'gpt-4o-mini',
        startTime: t,
        endTime: t + 40,
        usageDetails: usage,
      });
    }
  };
  publish(500, 10_000_000);
  await fusewire.flush(60_000);
  const cpu0 = process.cpuUsage();
  publish(SIZE.traces, 0);
  const caller = process.cpuUsage(cpu0);
  const stats = await fusewire.flush(120_000);
  const total = process.cpuUsage(cpu0);
  const ns = (c) => ((c.user + c.system) * 1000) / (SIZE.traces * 2);
  process.send({ variant, callerNs: ns(caller), totalNs: ns(total), delivered: stats.delivered });
  await fusewire.shutdown();
}

async function runner() {
  const servers = fork(here('./lib/llm-servers-child.mjs'));
  const addresses = await new Promise((resolve) => servers.once('message', resolve));
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < SIZE.rounds; round++) {
    for (const variant of VARIANTS) {
      const args = [
        `--variant=${variant}`,
        `--servers=${JSON.stringify(addresses)}`,
        ...(flags.smoke ? ['--smoke'] : []),
      ];
      const proc = fork(here('./metrics.mjs'), args);
      results[variant].push(
        await new Promise((resolve, reject) => {
          proc.once('message', resolve);
          proc.once('exit', (code) => code !== 0 && reject(new Error(`${variant} exited ${code}`)));
        }),
      );
    }
  }
  servers.disconnect();
  const rows = VARIANTS.map((variant) => ({
    variant,
    callerNs: median(results[variant].map((r) => r.callerNs)),
    totalNs: median(results[variant].map((r) => r.totalNs)),
  }));
  const [base, metrics] = rows;
  const lines = [
    `# Metrics collection cost (${new Date().toISOString()}, ${SIZE.rounds} rounds × ${SIZE.traces} traces of 2 events${flags.smoke ? ', smoke' : ''})`,
    '',
    '| variant | caller ns/event | total ns/event |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.variant} | ${r.callerNs.toFixed(0)} | ${r.totalNs.toFixed(0)} |`),
    `| metrics' share | +${(metrics.callerNs - base.callerNs).toFixed(0)} | +${(metrics.totalNs - base.totalNs).toFixed(0)} |`,
    '',
  ];
  const name = flags.smoke ? 'results-metrics.smoke' : 'results-metrics';
  writeFileSync(here(`./${name}.json`), JSON.stringify({ size: SIZE, results }, null, 2));
  writeFileSync(here(`./${name}.md`), lines.join('\n'));
  console.log(lines.join('\n'));
  console.log('bench metrics: 1 passed, 0 failed');
}
