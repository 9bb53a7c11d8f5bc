#!/usr/bin/env node
// Runs the benchmark scenarios, each (scenario × client) in a fresh child process, against one
// Langfuse-compatible server in another child, and writes results.json + results.md.
//
//   node run.mjs                      full run (≈ 15–20 min on 2 vCPU)
//   node run.mjs --smoke              tiny sizes, proves every scenario works (< 2 min)
//   node run.mjs --only=e2e,express   some scenarios (caller, e2e, express, dead; merged into results.json)
//   node run.mjs --clients=fusewire,otel  some clients
//   node run.mjs --only=e2e --traces=10000 --mode=burst   override the burst size, one e2e mode
//   node run.mjs --cpu-prof           write a .cpuprofile per client child into ./profiles
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CLIENTS } from './lib/clients.mjs';
import { forkServer, runChild } from './lib/ipc.mjs';
import { renderMarkdown } from './lib/report.mjs';
import { median } from './lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SCENARIOS = ['caller', 'e2e', 'express', 'dead'];
const ALIASES = { 1: 'caller', 2: 'e2e', 3: 'express', 4: 'dead' };
const EXPRESS_VARIANTS = [
  'bare',
  'pino-http',
  'fusewire-interval',
  'fusewire-request',
  'langfuse-v3',
  'langfuse-v5',
  'otel',
];

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    clients: { type: 'string' },
    traces: { type: 'string' },
    mode: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const smoke = flags.smoke;

const SIZES = smoke
  ? {
      caller: { runs: 5, warmupRuns: 1, batches: 2, batchSize: 100, publishBatch: 1000 },
      e2e: { traces: 2000, chunk: 500, warmupTraces: 200, stallMs: 2000, rate: 3000, seconds: 1 },
      express: { connections: 10, duration: 1, warmup: 0, rounds: 1 },
      dead: { rate: 3000, warmupSeconds: 0.5, healthySeconds: 1, deadSeconds: 2, recoverSeconds: 5 },
      childTimeoutMs: 60_000,
    }
  : {
      caller: { runs: 7, warmupRuns: 2, batches: 20, batchSize: 1000, publishBatch: 10_000 },
      e2e: { traces: 100_000, chunk: 1000, warmupTraces: 2000, stallMs: 15_000, rate: 20_000, seconds: 10 },
      express: { connections: 50, duration: 10, warmup: 2, rounds: 2 },
      dead: { rate: 20_000, warmupSeconds: 3, healthySeconds: 10, deadSeconds: 30, recoverSeconds: 30 },
      childTimeoutMs: 15 * 60_000,
    };
if (flags.traces) SIZES.e2e.traces = Number(flags.traces);

const only = flags.only ? flags.only.split(',').map((s) => ALIASES[s.trim()] ?? s.trim()) : SCENARIOS;
for (const s of only) if (!SCENARIOS.includes(s)) fail(`unknown scenario "${s}"; use ${SCENARIOS.join(', ')} (or 1-4)`);
const clients = flags.clients ? flags.clients.split(',').map((s) => s.trim()) : CLIENTS;
for (const c of clients) if (!CLIENTS.includes(c)) fail(`unknown client "${c}"; use ${CLIENTS.join(', ')}`);

const log = (...a) => {
  if (!flags.quiet) console.log(...a);
};

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const profileDir = here('./profiles');
function execArgvFor(label) {
  if (!flags['cpu-prof']) return [];
  mkdirSync(profileDir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`];
}

async function child(file, params, label, onMessage) {
  const res = await runChild(here(file), {
    params,
    server,
    timeoutMs: SIZES.childTimeoutMs,
    execArgv: execArgvFor(label),
    onMessage,
  });
  if (!res.ok) {
    console.error(`  ✗ ${label}: ${res.error}\n${res.stderr.trim().split('\n').slice(-15).join('\n')}`);
  }
  return res;
}

// ---- scenarios ----

async function scenarioCaller() {
  const rows = [];
  const errors = [];
  for (const name of ['baseline', ...clients]) {
    log(`  caller-side cost: ${name}`);
    const res = await child('./scenarios/caller-cost.mjs', { client: name, sizes: SIZES.caller }, `caller-${name}`);
    if (!res.ok) {
      errors.push({ client: name, error: res.error, stderr: res.stderr });
      continue;
    }
    for (const row of res.result.rows) rows.push({ client: name, ...row });
    if (res.result.stats) rows.find((r) => r.client === name).fusewireStats = res.result.stats;
  }
  return { sizes: SIZES.caller, rows, errors };
}

async function scenarioE2e() {
  const out = { sizes: SIZES.e2e, burst: [], paced: [], errors: [] };
  for (const mode of flags.mode ? flags.mode.split(',') : ['burst', 'paced']) {
    for (const name of clients) {
      log(`  end to end (${mode}): ${name}`);
      const res = await child(
        './scenarios/end-to-end.mjs',
        { client: name, mode, ...SIZES.e2e },
        `e2e-${mode}-${name}`,
      );
      if (res.ok) out[mode].push(res.result);
      else out.errors.push({ client: name, mode, error: res.error, stderr: res.stderr });
    }
  }
  return out;
}

async function scenarioExpress() {
  const { connections, duration, warmup, rounds } = SIZES.express;
  const runs = new Map(EXPRESS_VARIANTS.map((v) => [v, []]));
  const pending = {};
  const errors = [];
  const variants = EXPRESS_VARIANTS.filter((v) => {
    const client = v.startsWith('fusewire') ? 'fusewire' : v;
    return !CLIENTS.includes(client) || clients.includes(client);
  });
  for (let round = 0; round < rounds; round++) {
    // A/B alternated: every variant once per round, the order reversed on odd rounds to cancel drift.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      if (pending[variant]) continue;
      log(`  express (round ${round + 1}/${rounds}): ${variant}`);
      await server.call('reset');
      let load;
      const res = await child('./scenarios/express-app.mjs', { variant }, `express-${variant}`, async (msg, proc) => {
        if (msg?.type !== 'listening') return undefined;
        const url = `http://127.0.0.1:${msg.port}/`;
        try {
          if (warmup > 0) await autocannon({ url, connections, duration: warmup });
          load = await autocannon({ url, connections, duration });
        } catch (error) {
          load = { error: String(error) };
        }
        proc.send({ type: 'stop' });
        return undefined;
      });
      if (res.ok && res.result.pending) {
        pending[variant] = res.result.pending;
        continue;
      }
      if (!res.ok || !load || load.error) {
        errors.push({ variant, error: res.error ?? load?.error ?? 'no load result', stderr: res.stderr });
        continue;
      }
      runs.get(variant).push({
        reqPerSec: load.requests.average,
        p99Ms: load.latency.p99,
        p50Ms: load.latency.p50,
        requests: load.requests.total,
        non2xx: load.non2xx,
        errors: load.errors,
        timeouts: load.timeouts,
        appCpuMs: res.result.cpuMs,
        appPeakRss: res.result.peakRss,
        serverUnits: res.result.server.unique,
        stats: res.result.stats,
      });
    }
  }
  const rows = [];
  for (const variant of variants) {
    if (pending[variant]) {
      rows.push({ variant, pending: pending[variant] });
      continue;
    }
    const r = runs.get(variant);
    if (r.length === 0) continue;
    rows.push({
      variant,
      reqPerSec: median(r.map((x) => x.reqPerSec)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      unitsPerRequest: median(r.map((x) => x.serverUnits / Math.max(1, x.requests))),
      runs: r,
    });
  }
  const bare = rows.find((r) => r.variant === 'bare');
  for (const row of rows) if (bare && row.reqPerSec) row.ratioToBare = row.reqPerSec / bare.reqPerSec;
  return { sizes: SIZES.express, rows, errors };
}

async function scenarioDead() {
  const rows = [];
  const errors = [];
  for (const name of clients) {
    log(`  dead backend: ${name}`);
    await server.call('restart');
    const res = await child('./scenarios/dead-backend.mjs', { client: name, ...SIZES.dead }, `dead-${name}`);
    if (res.ok) rows.push(res.result);
    else errors.push({ client: name, error: res.error, stderr: res.stderr });
  }
  return { sizes: SIZES.dead, rows, errors };
}

const RUNNERS = { caller: scenarioCaller, e2e: scenarioE2e, express: scenarioExpress, dead: scenarioDead };

// ---- main ----

function versions() {
  const require = createRequire(import.meta.url);
  const out = {};
  for (const p of [
    '@fusewire/core',
    'langfuse',
    '@langfuse/otel',
    '@langfuse/tracing',
    '@opentelemetry/sdk-trace-base',
    '@opentelemetry/sdk-trace-node',
    '@opentelemetry/exporter-trace-otlp-http',
    'express',
    'pino',
    'pino-http',
    'autocannon',
  ]) {
    try {
      const entry = require.resolve(p);
      let dir = entry.slice(0, entry.lastIndexOf(`node_modules/${p}/`) + `node_modules/${p}/`.length);
      if (!dir.includes('node_modules')) dir = here('../../packages/core/');
      out[p] = JSON.parse(readFileSync(`${dir}package.json`, 'utf8')).version;
    } catch {
      out[p] = 'not installed';
    }
  }
  return out;
}

const resultsFile = here(smoke ? './results.smoke.json' : './results.json');
const markdownFile = here(smoke ? './results.smoke.md' : './results.md');

let previous;
if (only.length < SCENARIOS.length && existsSync(resultsFile)) {
  try {
    previous = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {}
}

const server = await forkServer();
const started = Date.now();
const meta = {
  date: new Date().toISOString(),
  mode: smoke ? 'smoke' : 'full',
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cpus: os.availableParallelism?.() ?? os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  versions: versions(),
};
log(
  `fusewire bench (${meta.mode}) — Node ${meta.node}, ${meta.cpus} × ${meta.cpu}, load ${meta.loadAverageAtStart.join(' ')}`,
);
log(`server child pid ${server.pid} at ${server.info.url}`);

const results = { meta, scenarios: { ...(previous?.scenarios ?? {}) } };
let passed = 0;
let failed = 0;
try {
  for (const name of only) {
    log(`scenario ${name}`);
    const t0 = Date.now();
    let out;
    try {
      out = await RUNNERS[name]();
    } catch (error) {
      out = { errors: [{ error: String(error?.stack ?? error) }] };
      console.error(`  ✗ ${name}: ${error?.stack ?? error}`);
    }
    out.seconds = Math.round((Date.now() - t0) / 100) / 10;
    out.ranAt = new Date().toISOString();
    results.scenarios[name] = out;
    if (out.errors?.length) failed++;
    else passed++;
  }
} finally {
  await server.close();
}
meta.seconds = Math.round((Date.now() - started) / 1000);

const markdown = renderMarkdown(results);
writeFileSync(`${resultsFile}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
renameSync(`${resultsFile}.tmp`, resultsFile);
writeFileSync(markdownFile, markdown);
log(`\n${markdown}`);
log(`wrote ${resultsFile} and ${markdownFile} in ${meta.seconds} s`);
console.log(`bench${smoke ? ' smoke' : ''}: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
