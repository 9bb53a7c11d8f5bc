#!/usr/bin/env node
// Floors (#18): for each target fusewire missed, what the cheapest possible client would pay on Node 20 —
// so a missed target can be told apart from one no design can meet. Standalone, needs built packages:
//
//   node scenarios/floors.mjs [--rounds=3] [--seconds=10 (paced run, express load)] [--only=paced,instrument,express,rss] [--out=FILE.json]
//
//   paced       a "client" that only builds the bench's realistic traces, JSON.stringify-s the same 7 payloads
//               plain OTel stringifies, and POSTs the strings, joined, over one keep-alive node:http agent in
//               batches of 512 spans (OTel's batch) to the byte-counting sink; in the same paced harness as
//               end-to-end.mjs (20,000 events/s for 10 s). Beside it, build only and build + stringify, and
//               end-to-end.mjs itself for plain OTel and fusewire (test server), same round.
//   instrument  an awaited async fn: bare; with an AsyncLocalStorage enabled; inside als.run(); inside
//               als.run() with its promise observed by `then` and returned; the same recording a counter id and
//               two times per call; fusewire's instrument() (sending to the sink) — caller-cost.mjs's method (batches of 1,000, median).
//   express     express-app.mjs's bare, als-run (an enabled ALS entered per request), als-run-finish (also a
//               `finish` listener), als-run-send (also one JSON line per request, POSTed in batches to the
//               sink) and fusewire-interval, placed as run.mjs does (lib/express-round.mjs).
//   rss         300,000 events (100,000 traces as fusewire's bench client publishes them) held as JSON text,
//               realistic and small payloads: chars and heap bytes per event, peak RSS.
//
// Every (measurement × round) runs in a fresh child; rounds alternate the order; the table shows medians.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expressRound } from '../lib/express-round.mjs';
import { trace3Messages } from '../lib/clients.mjs';
import { createIds } from '../lib/ids.mjs';
import { forkServer, main, params, runChild } from '../lib/ipc.mjs';
import { LOAD_CORE, pin } from '../lib/pin.mjs';
import { cpuNs, median, paced, peakRss, tick } from '../lib/stats.mjs';
import { realisticTrace, smallTrace } from '../lib/workload.mjs';

const SELF = fileURLToPath(import.meta.url);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const TASKS = ['paced', 'instrument', 'express', 'rss'];
const PACED = ['floor-build', 'floor-json', 'floor-http', 'otel', 'fusewire'];
const INSTRUMENT = ['bare', 'als-enabled', 'als-run', 'als-run-observe', 'als-run-record', 'fusewire'];
const EXPRESS = ['bare', 'als-run', 'als-run-finish', 'als-run-send', 'fusewire-interval'];
const RSS = ['realistic', 'small'];
const BATCH_SPANS = 512;
const SPANS_PER_TRACE = 2;
const EVENTS_PER_TRACE = 3;
const RSS_TRACES = 100_000;
const work = async () => 1;
const noop = () => {};

// ---- children ----

/** Keeps a value reachable so the optimiser cannot drop the work that made it. */
export let sinkhole;

/**
 * The cheapest client that still does what every client must: build (the bench's loop, counted for
 * every client), stringify the payloads, send the text. `delivered` counts spans whose request got a 200.
 */
function floorClient(variant, url, authorization) {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const open = new Set();
  let parts = [];
  let spans = 0;
  let delivered = 0;
  let failed = 0;
  const send = () => {
    if (spans === 0) return;
    const n = spans;
    const body = parts.join('\n');
    parts = [];
    spans = 0;
    if (variant === 'floor-json') {
      sinkhole = body;
      delivered += n;
      return;
    }
    const bytes = Buffer.byteLength(body);
    const done = new Promise((resolve) => {
      const req = http.request(
        {
          agent,
          hostname,
          port,
          method: 'POST',
          path: '/api/public/otel/v1/traces',
          headers: { authorization, 'content-type': 'application/json', 'content-length': bytes },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) delivered += n;
            else failed += n;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed += n;
        resolve();
      });
      // All-ASCII text (bytes = chars) is its own Latin-1 encoding: written without a UTF-8 pass (~15% less).
      req.end(body, bytes === body.length ? 'latin1' : 'utf8');
    });
    open.add(done);
    done.then(() => open.delete(done));
  };
  return {
    trace3(i) {
      const t = realisticTrace(i);
      if (variant === 'floor-build') {
        sinkhole = t;
        delivered += SPANS_PER_TRACE;
        return;
      }
      const g = t.generation;
      // What plain OTel's bench client stringifies (lib/clients.mjs), and what fusewire must serialise too.
      parts.push(
        JSON.stringify(t.metadata),
        JSON.stringify(t.input),
        JSON.stringify(t.output),
        JSON.stringify(g.modelParameters),
        JSON.stringify(g.input),
        JSON.stringify(g.output),
        JSON.stringify(g.usage),
      );
      spans += SPANS_PER_TRACE;
      if (spans >= BATCH_SPANS) send();
    },
    async flush() {
      send();
      while (open.size > 0) await Promise.all(open);
    },
    get delivered() {
      return delivered;
    },
    get failed() {
      return failed;
    },
    close: () => agent.destroy(),
  };
}

/** end-to-end.mjs's paced run, for the floor client (warm-up, then CPU from first create to all acked). */
async function pacedChild({ variant, rate, seconds, warmupTraces, sink }) {
  const client = floorClient(variant, sink.url, sink.authorization);
  let next = 1_000_000_000;
  for (let i = 0; i < warmupTraces; i++) {
    client.trace3(next++);
    if (i % 500 === 499) await tick();
  }
  await client.flush();
  const d0 = client.delivered;
  const c0 = process.cpuUsage();
  const { produced } = await paced(rate / EVENTS_PER_TRACE, seconds, (from, count) => {
    for (let k = 0; k < count; k++) client.trace3(from + k);
  });
  await client.flush();
  const cpu = cpuNs(c0);
  const delivered = client.delivered - d0;
  client.close();
  return {
    variant,
    traces: produced,
    deliveredSpans: delivered,
    failed: client.failed,
    cpuNsPerDeliveredSpan: cpu / delivered,
  };
}

/** caller-cost.mjs's method: batches of `batchSize` awaited calls timed with hrtime, `between` untimed. */
async function timeAsync(op, between, { runs = 7, warmupRuns = 2, batches = 20, batchSize = 1000 } = {}) {
  const timed = [];
  for (let r = 0; r < warmupRuns + runs; r++) {
    let ns = 0;
    for (let b = 0; b < batches; b++) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < batchSize; k++) await op();
      ns += Number(process.hrtime.bigint() - t0);
      await between();
    }
    if (r >= warmupRuns) timed.push(ns / (batches * batchSize));
  }
  return { nsPerCall: median(timed), samples: timed.map(Math.round) };
}

async function instrumentChild({ variant, sink }) {
  if (variant === 'bare') return { variant, ...(await timeAsync(work, tick)) };
  if (variant === 'fusewire') {
    const { createFusewire, instrument } = await import('@fusewire/core');
    const client = createFusewire({ publicKey: sink.publicKey, secretKey: sink.secretKey, baseUrl: sink.url });
    const out = await timeAsync(
      () => instrument('span', { name: 'work' }, work),
      () => client.flush(),
    );
    await client.shutdown(10_000);
    return { variant, ...out };
  }
  const als = new AsyncLocalStorage();
  const store = { traceId: 'x' };
  als.run(store, () => {}); // Node 20 turns the promise hooks on at the first run(), for the whole process
  // als-run-observe: also hears the promise settle, as any instrument() must to end its span, and still
  // hands the caller its own promise (an SDK's promise subclass keeps its methods): `then` derives one more.
  const observed = () => {
    const p = work();
    p.then(noop, noop);
    return p;
  };
  // als-run-record: also records the call as the least a span needs (a counter id, start and end times), into
  // an array emptied each batch: no random ids, no validation, no channel, no export.
  const spans = [];
  let n = 0;
  const recorded = () => {
    const span = { id: ++n, start: performance.now(), end: 0 };
    const p = work();
    p.then(() => {
      span.end = performance.now();
      spans.push(span);
    }, noop);
    return p;
  };
  const emptied = async () => {
    spans.length = 0;
    await tick();
  };
  const ops = {
    'als-enabled': work,
    'als-run': () => als.run(store, work),
    'als-run-observe': () => als.run(store, observed),
    'als-run-record': () => als.run(store, recorded),
  };
  return { variant, ...(await timeAsync(ops[variant], variant === 'als-run-record' ? emptied : tick)) };
}

/** The events as fusewire's bench client publishes them (lib/clients.mjs trace3), held as JSON text. */
async function rssChild({ variant, traces }) {
  const build = variant === 'small' ? smallTrace : realisticTrace;
  const ids = createIds();
  const held = new Array(traces * EVENTS_PER_TRACE);
  globalThis.gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage.rss();
  let chars = 0;
  let payloadChars = 0;
  let n = 0;
  const hold = (message) => {
    const text = JSON.stringify(message);
    chars += text.length;
    held[n++] = text;
  };
  for (let i = 0; i < traces; i++) {
    const t = build(i);
    const g = t.generation;
    // The payloads alone, as plain OTel stringifies them: what no client can avoid keeping.
    for (const p of [t.metadata, t.input, t.output, g.modelParameters, g.input, g.output, g.usage])
      if (p !== undefined) payloadChars += JSON.stringify(p).length;
    for (const message of trace3Messages(t, ids, i, Date.now())) hold(message);
    if (i % 1000 === 999) await tick(); // the burst's pace
  }
  globalThis.gc();
  const heap1 = process.memoryUsage().heapUsed;
  sinkhole = held;
  return {
    variant,
    events: n,
    charsPerEvent: chars / n,
    payloadCharsPerEvent: payloadChars / n,
    heapBytesPerEvent: (heap1 - heap0) / n,
    rssAtStart: rss0,
    peakRss: peakRss(),
  };
}

const CHILDREN = { paced: pacedChild, instrument: instrumentChild, rss: rssChild };

// ---- runner ----

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});

async function runner() {
  const rounds = Number(flags.rounds);
  const seconds = Number(flags.seconds);
  const only = flags.only ? flags.only.split(',').map((s) => s.trim()) : TASKS;
  for (const t of only) if (!TASKS.includes(t)) throw new Error(`unknown task ${t}; use ${TASKS.join(', ')}`);
  const server = await forkServer();
  const sink = await forkServer(here('../lib/sink-child.mjs'));
  const pinned = { sink: pin(sink.pid, LOAD_CORE), app: true, load: true };
  const samples = {};
  const add = (key, value) => {
    samples[key] ??= [];
    samples[key].push(value);
  };
  const child = async (task, variant, extra = {}, execArgv = []) => {
    const res = await runChild(SELF, {
      params: { role: task, variant, sink: sink.info, ...extra },
      server: sink,
      timeoutMs: 10 * 60_000,
      execArgv,
    });
    if (!res.ok) throw new Error(`${task} ${variant}: ${res.error}\n${res.stderr}`);
    return res.result;
  };
  const steps = [];
  if (only.includes('paced'))
    for (const v of PACED)
      steps.push(async () => {
        if (v === 'otel' || v === 'fusewire') {
          const res = await runChild(here('./end-to-end.mjs'), {
            params: {
              client: v,
              mode: 'paced',
              rate: 20_000,
              seconds,
              warmupTraces: 2000,
              stallMs: 15_000,
              chunk: 1000,
              traces: 0,
            },
            server,
            timeoutMs: 10 * 60_000,
          });
          if (!res.ok) throw new Error(`paced ${v}: ${res.error}\n${res.stderr}`);
          add(`paced.${v}`, res.result.cpuNsPerDeliveredSpan);
        } else {
          const r = await child('paced', v, { rate: 20_000, seconds, warmupTraces: 2000 });
          if (r.failed > 0) throw new Error(`paced ${v}: ${r.failed} spans not acknowledged`);
          add(`paced.${v}`, r.cpuNsPerDeliveredSpan);
        }
      });
  if (only.includes('instrument'))
    for (const v of INSTRUMENT)
      steps.push(async () => add(`instrument.${v}`, (await child('instrument', v)).nsPerCall));
  if (only.includes('express'))
    for (const v of EXPRESS)
      steps.push(async () => {
        const out = await expressRound(v, {
          sink,
          sizes: { connections: 50, duration: seconds, warmup: 2 },
          pinned,
          timeoutMs: 10 * 60_000,
        });
        if (!out.run) throw new Error(`express ${v}: ${out.error ?? out.pending}\n${out.stderr ?? ''}`);
        add(`express.${v}`, out.run.reqPerSec);
        add(`express.${v}.appCpu`, out.run.appCpuShare);
        add(`express.${v}.loadCpu`, out.run.cpuShare);
        // The app's CPU per request (warm-up included on both sides): the same ratio as req/s when the app's
        // core is saturated, and less moved by a neighbour taking turns on that core.
        add(`express.${v}.cpuPerRequest`, (out.run.appCpuMs * 1e6) / (out.run.requests + out.run.warmupRequests));
      });
  if (only.includes('rss'))
    for (const v of RSS)
      steps.push(async () => {
        const r = await child('rss', v, { traces: RSS_TRACES }, ['--expose-gc']);
        add(`rss.${v}.chars`, r.charsPerEvent);
        add(`rss.${v}.payloadChars`, r.payloadCharsPerEvent);
        // Exact-size strings (a header of 16 bytes, no slack) on top of the process at start.
        add(`rss.${v}.textOnly`, r.rssAtStart + r.events * (r.charsPerEvent + 16));
        add(`rss.${v}.payloadOnly`, r.rssAtStart + r.events * r.payloadCharsPerEvent);
        add(`rss.${v}.heap`, r.heapBytesPerEvent);
        add(`rss.${v}.peak`, r.peakRss);
        add(`rss.${v}.start`, r.rssAtStart);
      });
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? steps : [...steps].reverse();
      console.error(`floors: round ${round + 1}/${rounds}`);
      for (const step of order) await step();
    }
  } finally {
    await server.close();
    await sink.close();
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  console.log(table(m, rounds, pinned));
  if (flags.out)
    writeFileSync(
      flags.out,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, pinned, medians: m, samples }, null, 2)}\n`,
    );
}

const us = (ns) => (ns === undefined ? '—' : `${(ns / 1000).toFixed(2)} µs`);
const ns = (x) => (x === undefined ? '—' : `${Math.round(x)} ns`);
const mb = (b) => (b === undefined ? '—' : `${Math.round(b / 2 ** 20)} MB`);
const pct = (x) => (x === undefined ? '—' : `${Math.round(x * 100)}%`);
const ratio = (x) => (x === undefined ? '—' : `${x.toFixed(2)}×`);

function table(m, rounds, pinned) {
  const rows = [];
  const row = (floor, value, note) => rows.push(`| ${floor} | ${value} | ${note} |`);
  if (m['paced.floor-http'] !== undefined) {
    const otel = m['paced.otel'];
    const floor = m['paced.floor-http'];
    row('paced: build the traces only', us(m['paced.floor-build']), 'the bench loop every client pays');
    row('paced: + JSON.stringify of the 7 payloads', us(m['paced.floor-json']), '');
    row('paced: + HTTP to the sink (**floor**)', us(floor), `batches of ${BATCH_SPANS} spans, keep-alive node:http`);
    row('paced: plain OTel (end-to-end.mjs)', us(otel), `floor ÷ OTel = **${ratio(floor / otel)}** (target ≤ 0.5×)`);
    row(
      'paced: fusewire (end-to-end.mjs)',
      us(m['paced.fusewire']),
      `${ratio(m['paced.fusewire'] / otel)} OTel; ${ratio(m['paced.fusewire'] / floor)} the floor`,
    );
  }
  if (m['instrument.bare'] !== undefined) {
    const bare = m['instrument.bare'];
    row('instrument: bare `await fn()`', ns(bare), '');
    row(
      'instrument: ALS enabled, `await fn()`',
      ns(m['instrument.als-enabled']),
      `+${ns(m['instrument.als-enabled'] - bare)}: promise hooks alone`,
    );
    row(
      'instrument: `await als.run(store, fn)`',
      ns(m['instrument.als-run']),
      `+${ns(m['instrument.als-run'] - bare)}`,
    );
    if (m['instrument.als-run-observe'] !== undefined)
      row(
        'instrument: `await als.run(store, fn)`, its promise observed with `then` and returned',
        ns(m['instrument.als-run-observe']),
        `+${ns(m['instrument.als-run-observe'] - bare)}`,
      );
    if (m['instrument.als-run-record'] !== undefined)
      row(
        'instrument: the same, recording a counter id and two times per call (**floor**)',
        ns(m['instrument.als-run-record']),
        `**+${ns(m['instrument.als-run-record'] - bare)}** (target +500 ns)`,
      );
    row('instrument: fusewire `instrument()`', ns(m['instrument.fusewire']), `+${ns(m['instrument.fusewire'] - bare)}`);
  }
  if (m['express.bare'] !== undefined) {
    const bare = m['express.bare'];
    const cpu = (v) => m[`express.${v}.cpuPerRequest`];
    const per = (v) =>
      `${Math.round(m[`express.${v}`])} req/s (${pct(m[`express.${v}`] / bare)}); ${us(cpu(v))} CPU/req (${pct(cpu('bare') / cpu(v))})`;
    row(
      'express: bare',
      `${Math.round(bare)} req/s; ${us(cpu('bare'))} CPU/req`,
      `app CPU ${pct(m['express.bare.appCpu'])}, load CPU ${pct(m['express.bare.loadCpu'])}`,
    );
    row('express: + `als.run` per request (**floor**)', per('als-run'), '(target ≥ 90%; % = bare ÷ this)');
    row('express: + `als.run` + a `finish` listener', per('als-run-finish'), '');
    if (m['express.als-run-send'] !== undefined)
      row(
        'express: + `als.run`, `finish`, one JSON line per request POSTed in batches of 512 (**floor** of a tracing middleware)',
        per('als-run-send'),
        '',
      );
    row('express: fusewire middleware (interval flush)', per('fusewire-interval'), '');
  }
  for (const v of RSS)
    if (m[`rss.${v}.peak`] !== undefined)
      row(
        `rss: 300k ${v} events held as JSON text (**floor**)`,
        `peak ${mb(m[`rss.${v}.peak`])}; exact-size text ${mb(m[`rss.${v}.textOnly`])}; payload text only ${mb(m[`rss.${v}.payloadOnly`])}`,
        `per event ${Math.round(m[`rss.${v}.chars`])} chars (payloads alone ${Math.round(m[`rss.${v}.payloadChars`])}), ` +
          `${Math.round(m[`rss.${v}.heap`])} heap bytes as JSON.stringify left them; ${mb(m[`rss.${v}.start`])} at start (target 200 MB)`,
      );
  const placement = pinned.app && pinned.load && pinned.sink ? 'express pinned as run.mjs' : 'express NOT pinned';
  return [
    `floors — Node ${process.version}, medians of ${rounds} interleaved rounds, ${placement}`,
    '',
    '| floor | median | note |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

if (params.role) main(() => CHILDREN[params.role](params));
else
  runner().catch((error) => {
    console.error(error?.stack ?? error);
    process.exit(1);
  });
