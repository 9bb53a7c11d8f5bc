#!/usr/bin/env node
// @fusewire/spool bench (standalone; needs built packages), memory mode and the SQLite spool side by side,
// each mode in fresh child processes against one local Langfuse-compatible server:
//   1. caller cost: ns per trace (a trace + a span + a generation, 3 messages) on the caller's stack,
//      batches of 1,000 timed, the client flushing between batches (untimed); median of runs;
//   2. sustained: traces published in chunks every tick (while fewer than 30k events are pending) for
//      some seconds, then flushed: events/s delivered (counted at the server) and total process CPU per
//      delivered event;
//   3. durability window (spool only): publish → committed in SQLite, for every 50th event, paced;
//   4. instructions (with --tasks=…,instructions; needs valgrind): machine instructions per trace on
//      the caller's stack, counted by callgrind — repeatable on a loaded machine, where wall and CPU
//      time are not: a child publishes N traces in one synchronous loop and exits before any drain
//      runs; (count for N − count for 0) / N, per mode.
//
//   node scenarios/spool.mjs [--seconds=5] [--runs=7] [--rate=6000] [--tasks=caller,sustained,window]
//                            [--traces=2000] [--modes=memory,spool]   (instructions only)
// (a subset of tasks prints its results and writes no results file)
import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    child: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '7' },
    rate: { type: 'string', default: '6000' },
    tasks: { type: 'string', default: 'caller,sustained,window' },
    traces: { type: 'string', default: '2000' },
    modes: { type: 'string', default: 'memory,spool' },
  },
});

/** The spool's default; the window task reports how many samples it held. */
const DURABILITY_WINDOW_MS = 100;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Events pending (in any store) above which the sustained publisher waits a turn. */
const SUSTAINED_PENDING = 30_000;

async function child() {
  const cfg = JSON.parse(flags.child);
  const { createFusewire } = await import('@fusewire/core');
  const options = {
    baseUrl: cfg.url,
    publicKey: cfg.publicKey,
    secretKey: cfg.secretKey,
    maxQueueSize: 400_000,
    maxQueueBytes: 512 * 1024 * 1024,
    ...(cfg.task === 'instructions' ? { flushOnExit: false } : {}),
  };
  let spool;
  const committedAt = new Map();
  const sampledAt = new Map();
  if (cfg.mode === 'spool') {
    const { sqliteSpool } = await import('@fusewire/spool');
    spool = sqliteSpool({
      path: cfg.path,
      maxBytes: 1024 * 1024 * 1024,
      retentionMs: 0,
      durabilityWindowMs: DURABILITY_WINDOW_MS,
    });
    const append = spool.append.bind(spool);
    spool.append = (records) => {
      const answer = append(records);
      if (sampledAt.size > 0) {
        const t = performance.now();
        for (const r of records) if (r.kind === 'observation' && sampledAt.has(r.id)) committedAt.set(r.id, t);
      }
      return answer;
    };
    options.spool = spool;
  }
  const client = createFusewire(options);
  const traces = dc.channel('langfuse.trace');
  const spans = dc.channel('langfuse.span');
  const generations = dc.channel('langfuse.generation');
  const prefix = randomBytes(12).toString('hex');
  const spanPrefix = randomBytes(4).toString('hex');
  const hex8 = (n) => n.toString(16).padStart(8, '0');
  const q = { question: 'What is fusewire?' };
  let n = 0;
  const trace3 = (sample) => {
    const i = n++;
    const traceId = prefix + hex8(i);
    const spanId = spanPrefix + hex8(2 * i);
    if (sample) sampledAt.set(spanId, performance.now());
    const t = Date.now();
    traces.publish({ id: traceId, name: 'bench-trace', userId: 'user-1', input: q });
    spans.publish({ id: spanId, traceId, name: 'retrieve', input: q, output: 'an answer', startTime: t });
    generations.publish({
      id: spanPrefix + hex8(2 * i + 1),
      traceId,
      parentObservationId: spanId,
      name: 'chat',
      model: 'gpt-4o',
      usageDetails: { input: 12, output: 34 },
      startTime: t,
    });
  };
  const out = { mode: cfg.mode };
  if (cfg.task === 'instructions') {
    // Only the caller's stack: nothing drains before the exit (flushOnExit is off for this task).
    for (let k = 0; k < cfg.traces; k++) trace3(false);
    process.exit(0);
  }
  if (cfg.task === 'caller') {
    // Twice: as is (a batch may pay a GC pause for garbage the deferred work left), and with a full
    // GC between batches (untimed), which leaves only the work on the caller's stack.
    for (const gcBetween of [false, true]) {
      const perRun = [];
      const cpuPerRun = [];
      for (let r = 0; r < cfg.runs + 2; r++) {
        let ns = 0;
        let cpuUs = 0;
        for (let b = 0; b < 10; b++) {
          if (gcBetween) globalThis.gc();
          const c0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          for (let k = 0; k < 1000; k++) trace3(false);
          ns += Number(process.hrtime.bigint() - t0);
          const c = process.cpuUsage(c0);
          cpuUs += c.user + c.system;
          await client.flush(30_000);
        }
        if (r >= 2) {
          perRun.push(ns / 10_000);
          cpuPerRun.push((cpuUs * 1000) / 10_000);
        }
      }
      // Wall time counts preemption on a busy machine; CPU time of the same loop does not.
      const key = gcBetween ? 'GcBetween' : '';
      out[`nsPerTrace${key}`] = median(perRun);
      out[`cpuNsPerTrace${key}`] = median(cpuPerRun);
      out[`samples${key}`] = perRun.map(Math.round);
    }
  } else if (cfg.task === 'sustained') {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + cfg.seconds * 1000;
    while (performance.now() < end) {
      // A publisher that backs off while much is pending: the run measures what each store can
      // deliver. Without it a publisher faster than export fills the queue, and the run measures
      // how cheap refusals are (memory mode refused 87% of 10M events once the drain got faster).
      if (client.stats().pending < SUSTAINED_PENDING) for (let k = 0; k < 200; k++) trace3(false);
      await tick();
    }
    await client.flush(120_000);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    out.traces = n;
    out.events = n * 3;
    out.seconds = elapsed;
    // Per delivered event: a refused event costs next to nothing and must not dilute the figure.
    out.cpuUsPerEvent = (cpu.user + cpu.system) / Math.max(1, client.stats().delivered);
    out.stats = client.stats();
  } else if (cfg.task === 'window') {
    // The first trace of every 10 ms tick is timed. The event loop's own delay is measured beside
    // it: a window past the target on a loaded machine is a timer that fired late, which shows there.
    const perTick = Math.max(1, Math.round(cfg.rate / 3 / 100));
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const end = performance.now() + cfg.seconds * 1000;
    while (performance.now() < end) {
      for (let k = 0; k < perTick; k++) trace3(k === 0);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    loop.disable();
    await client.flush(60_000);
    const lat = [];
    for (const [id, t] of sampledAt) if (committedAt.has(id)) lat.push(committedAt.get(id) - t);
    out.samples = lat.length;
    out.windowMs = {
      median: +median(lat).toFixed(1),
      p99: +quantile(lat, 0.99).toFixed(1),
      max: +Math.max(...lat).toFixed(1),
      withinTarget: +(lat.filter((x) => x <= DURABILITY_WINDOW_MS).length / lat.length).toFixed(4),
    };
    out.drainEveryMs = spool.maxAppendDelayMs;
    out.eventLoopDelayMs = {
      median: +(loop.percentile(50) / 1e6).toFixed(1),
      p99: +(loop.percentile(99) / 1e6).toFixed(1),
      max: +(loop.max / 1e6).toFixed(1),
    };
    out.rate = cfg.rate;
  }
  await client.shutdown(30_000);
  process.send(out);
}

async function runChild(cfg) {
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), [`--child=${JSON.stringify(cfg)}`], {
      stdio: 'inherit',
      execArgv: ['--expose-gc'],
    });
    let result;
    c.on('message', (m) => {
      result = m;
    });
    c.on('exit', (code) => (result ? resolve(result) : reject(new Error(`child exited ${code}`))));
  });
}

/** Instructions callgrind counts for a child that publishes `traces` traces and exits. */
function instructions(cfg, traces) {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${join(os.tmpdir(), `fusewire-callgrind-${process.pid}.out`)}`,
      process.execPath,
      fileURLToPath(import.meta.url),
      `--child=${JSON.stringify({ ...cfg, task: 'instructions', traces })}`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const m = /Collected : (\d+)/.exec(r.stderr ?? '');
  if (m === null) throw new Error(`callgrind gave no count (exit ${r.status}): ${String(r.stderr).slice(-400)}`);
  return Number(m[1]);
}

async function parent() {
  const { startLangfuseServer } = await import('@fusewire/test-server');
  const server = await startLangfuseServer({ keepBodies: false });
  const dir = mkdtempSync(join(os.tmpdir(), 'fusewire-spool-bench-'));
  const base = {
    url: server.url,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    runs: Number(flags.runs),
    seconds: Number(flags.seconds),
    rate: Number(flags.rate),
  };
  const results = {
    meta: {
      node: process.version,
      cpus: os.cpus().length,
      load: os.loadavg().map((x) => x.toFixed(2)),
      at: new Date().toISOString(),
    },
  };
  let k = 0;
  const path = () => join(dir, `spool-${k++}.db`);
  const tasks = flags.tasks.split(',');
  for (const task of ['caller', 'sustained'].filter((t) => tasks.includes(t))) {
    for (const mode of ['memory', 'spool']) {
      server.reset();
      const r = await runChild({ ...base, task, mode, path: path() });
      if (task === 'sustained') r.deliveredEventsPerSecond = (server.received.counts.uniqueSpans * 1.5) / r.seconds;
      results[`${task}.${mode}`] = r;
      console.error(task, mode, JSON.stringify(r).slice(0, 300));
    }
  }
  if (tasks.includes('instructions')) {
    const n = Number(flags.traces);
    for (const mode of flags.modes.split(',')) {
      const counts = [];
      // Twice each: the two runs show how well the count repeats (V8's background threads count too).
      for (const traces of [0, n, 0, n]) counts.push(instructions({ ...base, mode, path: path() }, traces));
      const perTrace = [(counts[1] - counts[0]) / n, (counts[3] - counts[2]) / n];
      results[`instructions.${mode}`] = { traces: n, counts, perTrace: perTrace.map(Math.round) };
      console.error('instructions', mode, JSON.stringify(results[`instructions.${mode}`]));
    }
    const m = results['instructions.memory']?.perTrace;
    const sp = results['instructions.spool']?.perTrace;
    const avg = (xs) => (xs[0] + xs[1]) / 2;
    if (m && sp) {
      results.instructionsPerTrace = {
        memory: Math.round(avg(m)),
        spool: Math.round(avg(sp)),
        deltaPct: +((100 * (avg(sp) - avg(m))) / avg(m)).toFixed(1),
      };
    }
  }
  if (!tasks.includes('caller') || !tasks.includes('sustained') || !tasks.includes('window')) {
    if (tasks.includes('window'))
      results['window.spool'] = await runChild({ ...base, task: 'window', mode: 'spool', path: path() });
    console.log(JSON.stringify(results, null, 2));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  results['window.spool'] = await runChild({ ...base, task: 'window', mode: 'spool', path: path() });
  console.error('window', JSON.stringify(results['window.spool']));
  const c = (m) => results[`caller.${m}`].nsPerTrace;
  const g = (m) => results[`caller.${m}`].nsPerTraceGcBetween;
  results.summary = {
    callerCpuNsPerTrace: {
      memory: Math.round(results['caller.memory'].cpuNsPerTrace),
      spool: Math.round(results['caller.spool'].cpuNsPerTrace),
    },
    callerCpuNsPerTraceGcBetween: {
      memory: Math.round(results['caller.memory'].cpuNsPerTraceGcBetween),
      spool: Math.round(results['caller.spool'].cpuNsPerTraceGcBetween),
    },
    callerNsPerTraceGcBetween: {
      memory: Math.round(g('memory')),
      spool: Math.round(g('spool')),
      deltaPct: +((100 * (g('spool') - g('memory'))) / g('memory')).toFixed(1),
    },
    callerNsPerTrace: {
      memory: Math.round(c('memory')),
      spool: Math.round(c('spool')),
      deltaPct: +((100 * (c('spool') - c('memory'))) / c('memory')).toFixed(1),
    },
    cpuUsPerEvent: {
      memory: +results['sustained.memory'].cpuUsPerEvent.toFixed(2),
      spool: +results['sustained.spool'].cpuUsPerEvent.toFixed(2),
    },
    sustainedEventsPerSecond: {
      memory: Math.round(results['sustained.memory'].deliveredEventsPerSecond),
      spool: Math.round(results['sustained.spool'].deliveredEventsPerSecond),
    },
    durabilityWindowMs: results['window.spool'].windowMs,
  };
  console.log(JSON.stringify(results.summary, null, 2));
  writeFileSync(new URL('../results.spool.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

if (flags.child) await child();
else await parent();
