#!/usr/bin/env node
// App stalls (#12 item 6; standalone, needs built packages): how long the event loop of an app that
// uses fusewire waits, against the same app with no tracing, on the two workloads the review
// measured. The workloads are the reliability suite's own fixtures, so the suite and the bench
// measure the same app:
//   large objects — 150 spans with ~200 KB object outputs published in one synchronous burst, then
//                   drained (test/reliability/fixtures/drain-stall.mjs);
//   paced LLM     — 200 generations a second, each with a ~20 KB chat history, for 4 s
//                   (test/reliability/fixtures/paced-llm.mjs).
// The sink (lib/sink-child.mjs) runs pinned to one core; the app is not pinned, so the garbage
// collector's helper threads work as they would in production. Modes alternate within each round.
// Reported: the event loop's longest stall (max of monitorEventLoopDelay) and its p99, median and
// worst over the rounds.
//
//   node scenarios/app-stalls.mjs [--rounds=5] [--out=results.stalls]
//   node scenarios/app-stalls.mjs --smoke      one short round → results.smoke-stalls (proves it runs)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { forkServer } from '../lib/ipc.mjs';
import { LOAD_CORE, pin } from '../lib/pin.mjs';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    out: { type: 'string', default: 'results.stalls' },
    smoke: { type: 'boolean', default: false },
  },
});
const rounds = flags.smoke ? 1 : Number(flags.rounds);
const out = flags.smoke ? 'results.smoke-stalls' : flags.out;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURES = here('../../reliability/fixtures/');
const WORKLOADS = [
  { name: 'large objects', fixture: 'drain-stall.mjs', env: { FUSEWIRE_TEST_COUNT: '150', FUSEWIRE_TEST_KB: '200' } },
  {
    name: 'paced LLM',
    fixture: 'paced-llm.mjs',
    env: { FUSEWIRE_TEST_RATE: '200', FUSEWIRE_TEST_KB: '20', FUSEWIRE_TEST_MS: flags.smoke ? '1000' : '4000' },
  },
];
const MODES = ['baseline', 'fusewire'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runFixture(fixture, env) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [FIXTURES + fixture], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line === undefined) reject(new Error(`${fixture} exited ${code} without a result`));
      else resolve(JSON.parse(line.slice(7)));
    });
  });
}

const sink = await forkServer(here('../lib/sink-child.mjs'));
const pinned = pin(sink.pid, LOAD_CORE);
const env = {
  LANGFUSE_BASE_URL: sink.info.url,
  LANGFUSE_PUBLIC_KEY: sink.info.publicKey,
  LANGFUSE_SECRET_KEY: sink.info.secretKey,
};
const rows = [];
try {
  for (const workload of WORKLOADS) {
    const runs = Object.fromEntries(MODES.map((m) => [m, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        const r = await runFixture(workload.fixture, { ...env, ...workload.env, FUSEWIRE_TEST_MODE: mode });
        if (mode === 'fusewire' && r.stats.delivered !== r.stats.enqueued) {
          throw new Error(`${workload.name}: delivered ${r.stats.delivered} of ${r.stats.enqueued}`);
        }
        runs[mode].push(r);
        process.stderr.write(
          `  ${workload.name} (round ${round + 1}/${rounds}) ${mode}: max ${r.maxStallMs.toFixed(1)} ms\n`,
        );
      }
    }
    for (const mode of MODES) {
      const maxes = runs[mode].map((r) => r.maxStallMs);
      rows.push({
        workload: workload.name,
        mode,
        maxStallMedianMs: median(maxes),
        maxStallWorstMs: Math.max(...maxes),
        p99MedianMs: median(runs[mode].map((r) => r.p99Ms)),
        runs: maxes,
      });
    }
  }
} finally {
  await sink.close();
}

const fmt = (ms) => ms.toFixed(1);
const table = [
  '| workload | app | longest stall, median of rounds (ms) | worst round (ms) | p99, median (ms) |',
  '|---|---|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.mode === 'baseline' ? 'no tracing' : 'fusewire'} | ${fmt(r.maxStallMedianMs)} | ${fmt(r.maxStallWorstMs)} | ${fmt(r.p99MedianMs)} |`,
  ),
].join('\n');
process.stdout.write(`${table}\n`);
const results = { date: new Date().toISOString(), node: process.version, rounds, pinned, rows };
writeFileSync(here(`../${out}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(here(`../${out}.md`), `${table}\n`);
