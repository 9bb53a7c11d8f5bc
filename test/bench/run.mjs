#!/usr/bin/env node
// Runs the benchmark scenarios, each (scenario × client) in a fresh child process, against one
// Langfuse-compatible server in another child, and writes results.json + results.md.
//
//   node run.mjs                      full run (≈ 20 min on an idle 2-vCPU machine)
//   node run.mjs --smoke              tiny sizes, proves every scenario works (< 2 min)
//   node run.mjs --only=e2e,express   some scenarios (caller, e2e, express, dead, drain; merged into results.json)
//   node run.mjs --clients=fusewire,otel  some clients
//   node run.mjs --only=e2e --traces=10000 --mode=burst   override the burst size, one e2e mode
//   node run.mjs --encodings=protobuf,protobuf+gzip       which extra fusewire encoding rows (or none)
//   node run.mjs --out=results.partial                    write results.partial.json/.md instead
//   node run.mjs --cpu-prof           a .cpuprofile per client child into ./profiles + results-profile.md
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIENTS } from './lib/clients.mjs';
import { EXPRESS_VARIANTS, expressRound } from './lib/express-round.mjs';
import { forkServer, runChild } from './lib/ipc.mjs';
import { APP_CORE, LOAD_CORE, pin } from './lib/pin.mjs';
import { profileReport } from './lib/profile-summary.mjs';
import { renderMarkdown } from './lib/report.mjs';
import { median } from './lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SCENARIOS = ['caller', 'e2e', 'express', 'dead', 'drain'];
const ALIASES = { 1: 'caller', 2: 'e2e', 3: 'express', 4: 'dead', 5: 'drain' };
// langfuse v3 crashed (EMFILE) against a dead backend and holds no bounded backlog: not in the drain scenario.
const DRAIN_CLIENTS = ['fusewire', 'langfuse-v5', 'otel'];

/** fusewire's wire options (#18); the default run comes first, and the combination it turns out to be is not rerun. */
const ENCODINGS = [
  { otlpEncoding: 'json', compression: 'none' },
  { otlpEncoding: 'json', compression: 'gzip' },
  { otlpEncoding: 'protobuf', compression: 'none' },
  { otlpEncoding: 'protobuf', compression: 'gzip' },
];
const encodingKey = (o) => `${o.otlpEncoding}${o.compression === 'gzip' ? '+gzip' : ''}`;

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    clients: { type: 'string' },
    traces: { type: 'string' },
    mode: { type: 'string' },
    encodings: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const smoke = flags.smoke;

const SIZES = smoke
  ? {
      caller: { runs: 5, warmupRuns: 1, batches: 2, batchSize: 100, publishBatch: 1000 },
      callerV3: { batches: 1 },
      e2e: { traces: 2000, chunk: 500, warmupTraces: 200, stallMs: 2000, rate: 3000, seconds: 1 },
      e2eV3: { traces: 500, seconds: 1 },
      express: { connections: 10, duration: 1, warmup: 0, rounds: 1 },
      dead: { rate: 3000, warmupSeconds: 0.5, healthySeconds: 1, deadSeconds: 2, recoverSeconds: 5 },
      drain: { backlogEvents: 3000, chunk: 500, warmupTraces: 200, stallMs: 2000 },
      childTimeoutMs: 60_000,
    }
  : {
      caller: { runs: 7, warmupRuns: 2, batches: 20, batchSize: 1000, publishBatch: 10_000 },
      // v3's flushes cost ~0.4 ms per call: 20 batches took over a minute; 5 keep the median stable enough.
      callerV3: { batches: 5 },
      e2e: { traces: 100_000, chunk: 1000, warmupTraces: 2000, stallMs: 15_000, rate: 20_000, seconds: 10 },
      // langfuse v3 is ~20× slower per event and took minutes at full size: a fifth of the burst, half the paced time.
      e2eV3: { traces: 20_000, seconds: 5 },
      express: { connections: 50, duration: 10, warmup: 2, rounds: 2 },
      dead: { rate: 20_000, warmupSeconds: 3, healthySeconds: 10, deadSeconds: 30, recoverSeconds: 30 },
      drain: { backlogEvents: 100_000, chunk: 1000, warmupTraces: 2000, stallMs: 5000 },
      childTimeoutMs: 15 * 60_000,
    };
if (flags.traces) SIZES.e2e.traces = Number(flags.traces);

const only = flags.only ? flags.only.split(',').map((s) => ALIASES[s.trim()] ?? s.trim()) : SCENARIOS;
for (const s of only) if (!SCENARIOS.includes(s)) fail(`unknown scenario "${s}"; use ${SCENARIOS.join(', ')} (or 1-4)`);
const clients = flags.clients ? flags.clients.split(',').map((s) => s.trim()) : CLIENTS;
for (const c of clients) if (!CLIENTS.includes(c)) fail(`unknown client "${c}"; use ${CLIENTS.join(', ')}`);
const encodings =
  flags.encodings === undefined
    ? ENCODINGS.map(encodingKey)
    : flags.encodings === 'none'
      ? []
      : flags.encodings.split(',').map((s) => s.trim());
for (const e of encodings)
  if (!ENCODINGS.some((o) => encodingKey(o) === e))
    fail(`unknown encoding "${e}"; use ${ENCODINGS.map(encodingKey).join(', ')} or none`);

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
  return [
    '--cpu-prof',
    '--cpu-prof-interval=250',
    `--cpu-prof-dir=${profileDir}`,
    `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`,
  ];
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
    const sizes = name === 'langfuse-v3' ? { ...SIZES.caller, ...SIZES.callerV3 } : SIZES.caller;
    const res = await child('./scenarios/caller-cost.mjs', { client: name, sizes }, `caller-${name}`);
    if (!res.ok) {
      errors.push({ client: name, error: res.error, stderr: res.stderr });
      continue;
    }
    for (const row of res.result.rows) rows.push({ client: name, ...row });
    if (res.result.stats) rows.find((r) => r.client === name).fusewireStats = res.result.stats;
  }
  return { sizes: { ...SIZES.caller, v3: SIZES.callerV3 }, rows, errors };
}

/** The one wire format a run's requests used at the server ("json", "protobuf+gzip"), if only one. */
function wireSeen(result) {
  const keys = Object.keys(result?.server?.wire ?? {});
  return keys.length === 1 ? keys[0] : undefined;
}

async function scenarioE2e() {
  const out = { sizes: { ...SIZES.e2e, v3: SIZES.e2eV3 }, burst: [], paced: [], errors: [] };
  const run = async (mode, name, options, sizes) => {
    const variant = `${options.otlpEncoding ? ` ${encodingKey(options)}` : ''}${sizes.payload === 'small' ? ' small-payload' : ''}`;
    const label = `e2e-${mode}-${name}${variant.replaceAll(' ', '-').replaceAll('+', '-')}`;
    log(`  end to end (${mode}): ${name}${variant}`);
    const res = await child('./scenarios/end-to-end.mjs', { client: name, mode, ...sizes, options }, label);
    if (res.ok) out[mode].push(res.result);
    else out.errors.push({ client: name, mode, error: res.error, stderr: res.stderr });
    return res;
  };
  for (const mode of flags.mode ? flags.mode.split(',') : ['burst', 'paced']) {
    for (const name of clients) {
      const sizes = name === 'langfuse-v3' ? { ...SIZES.e2e, ...SIZES.e2eV3 } : SIZES.e2e;
      const res = await run(mode, name, {}, sizes);
      if (name !== 'fusewire') continue;
      const seen = res.ok ? wireSeen(res.result) : undefined;
      // Smoke: the encodings once (burst); the paced rows run the same code at another pace.
      const wanted = smoke && mode === 'paced' ? [] : encodings;
      for (const options of ENCODINGS.filter((o) => wanted.includes(encodingKey(o)))) {
        if (encodingKey(options) === seen) continue; // the default run already is this combination
        await run(mode, name, options, sizes);
      }
      // The pre-#18 small payloads, once, for the burst's RSS: comparable with earlier runs' figure.
      if (mode === 'burst') await run(mode, name, {}, { ...sizes, payload: 'small' });
    }
  }
  return out;
}

/**
 * Express (#18 target 4): the app pinned to one core; the Langfuse stand-in is a sink that only counts
 * bytes (lib/sink-child.mjs), pinned with autocannon (its own process) to the other core. So the app's
 * core runs only the app — its tracing, serialisation and HTTP to the sink included, on whatever thread —
 * and the sink's parsing cannot slow it. autocannon needs far less CPU per request than Express, so it
 * keeps up from the shared core; its CPU share is recorded to show that it did.
 */
async function scenarioExpress() {
  const { rounds } = SIZES.express;
  const runs = new Map(EXPRESS_VARIANTS.map((v) => [v, []]));
  const pending = {};
  const errors = [];
  const variants = EXPRESS_VARIANTS.filter((v) => {
    const client = v.startsWith('fusewire') ? 'fusewire' : v;
    return !CLIENTS.includes(client) || clients.includes(client);
  });
  const sink = await forkServer(here('./lib/sink-child.mjs'));
  const pinned = { sink: pin(sink.pid, LOAD_CORE), app: true, load: true };
  try {
    for (let round = 0; round < rounds; round++) {
      // A/B alternated: every variant once per round, the order reversed on odd rounds to cancel drift.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        if (pending[variant]) continue;
        log(`  express (round ${round + 1}/${rounds}): ${variant}`);
        const out = await expressRound(variant, {
          sink,
          sizes: SIZES.express,
          pinned,
          timeoutMs: SIZES.childTimeoutMs,
          execArgv: execArgvFor(`express-${variant}`),
        });
        if (out.pending) {
          pending[variant] = out.pending;
          continue;
        }
        if (out.error) {
          errors.push({ variant, error: out.error, stderr: out.stderr });
          continue;
        }
        runs.get(variant).push(out.run);
      }
    }
  } finally {
    await sink.close();
  }
  const rows = [];
  for (const variant of variants) {
    if (pending[variant]) {
      rows.push({ variant, pending: pending[variant] });
      continue;
    }
    const r = runs.get(variant);
    if (r.length === 0) continue;
    // Warm-up requests reached the sink too: bytes per request counts them (warm-up + measured).
    const perRequest = (x) => x.sinkBytes / Math.max(1, x.requests + x.warmupRequests);
    rows.push({
      variant,
      reqPerSec: median(r.map((x) => x.reqPerSec)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      sinkBytesPerRequest: median(r.map(perRequest)),
      sinkRequests: median(r.map((x) => x.sinkRequests)),
      appCpuShare: median(r.map((x) => x.appCpuShare)),
      loadCpuShare: median(r.map((x) => x.cpuShare)),
      runs: r,
    });
  }
  const bare = rows.find((r) => r.variant === 'bare');
  for (const row of rows) if (bare && row.reqPerSec) row.ratioToBare = row.reqPerSec / bare.reqPerSec;
  return { sizes: SIZES.express, pinned, cores: { app: APP_CORE, sinkAndLoad: LOAD_CORE }, rows, errors };
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

async function scenarioDrain() {
  const rows = [];
  const errors = [];
  for (const name of clients.filter((c) => DRAIN_CLIENTS.includes(c))) {
    log(`  drain stall: ${name}`);
    await server.call('restart');
    const res = await child('./scenarios/drain-stall.mjs', { client: name, ...SIZES.drain }, `drain-${name}`);
    if (res.ok) rows.push(res.result);
    else errors.push({ client: name, error: res.error, stderr: res.stderr });
  }
  await server.call('restart');
  return { sizes: SIZES.drain, rows, errors };
}

const RUNNERS = {
  caller: scenarioCaller,
  e2e: scenarioE2e,
  express: scenarioExpress,
  dead: scenarioDead,
  drain: scenarioDrain,
};

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

// --out=NAME writes NAME.json / NAME.md instead (a partial or trial run that must not replace results.json).
const outName = flags.out ?? (smoke ? 'results.smoke' : 'results');
const resultsFile = here(`./${outName}.json`);
const markdownFile = here(`./${outName}.md`);

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
if (flags['cpu-prof']) {
  const profileFile = here(smoke ? './results.smoke-profile.md' : './results-profile.md');
  const report = profileReport(profileDir, started);
  if (report) {
    writeFileSync(profileFile, report);
    log(`wrote ${profileFile} (top self time of fusewire's children, by file and function)`);
  } else log('no fusewire .cpuprofile written in this run: no profile summary');
}
console.log(`bench${smoke ? ' smoke' : ''}: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
