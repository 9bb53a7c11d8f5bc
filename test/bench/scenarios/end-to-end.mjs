// Scenario 2 — end to end, on the realistic trace of lib/workload.mjs (a root with trace fields and
// JSON input/output + a generation). `burst`: N traces created as fast as the
// loop allows (yielding one macrotask every `chunk` traces, as a busy server would), then flush and
// shutdown. `paced`: a steady rate for a fixed time. Delivery is counted at the server by id.
import { createClient } from '../lib/clients.mjs';
import { trackInflight } from '../lib/inflight.mjs';
import { main, params, server } from '../lib/ipc.mjs';
import { cpuNs, eventLoopDelay, paced, peakRss, rssSampler, sleep, tick } from '../lib/stats.mjs';

const EVENTS_PER_TRACE = 3; // trace + root + generation, whatever the wire format
// Every client's trace is 2 spans in OTLP terms (root + generation); v3 sends 3 envelopes for the same.
const SPANS_PER_TRACE = 2;

const withDeadline = (promise, ms) => Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);

/** Flushes until the server stops receiving: v3's flush sends one batch, so a backlog can linger. */
async function settle(client) {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    await client.flush();
    await sleep(200);
    const { received } = await server('counts');
    if (received === last) return;
    last = received;
  }
}

/** "json", "protobuf+gzip", … as asked (the server's `wire` counts say what was sent). */
function encodingLabel(options) {
  if (options.otlpEncoding === undefined && options.compression === undefined) return 'default';
  const body = options.otlpEncoding ?? 'json';
  return options.compression && options.compression !== 'none' ? `${body}+${options.compression}` : body;
}

main(async () => {
  const { client: name, mode, traces, chunk, rate, seconds, warmupTraces, stallMs, options = {} } = params;
  const payload = params.payload ?? 'realistic';
  const http = trackInflight();
  const client = await createClient(name, params.server, mode === 'burst' ? 'burst' : 'default', options, payload);

  // Warm-up: JIT and connections, then start counting from a clean server.
  let next = 1_000_000_000;
  for (let i = 0; i < warmupTraces; i++) {
    client.trace3(next++);
    if (i % 500 === 499) await tick();
  }
  await settle(client);
  await server('reset');
  http.reset();

  const plannedTraces = mode === 'burst' ? traces : Math.round((rate / EVENTS_PER_TRACE) * seconds);
  const expected = plannedTraces * client.unitsPerTrace3;
  await server('expect', { count: expected, prefix: client.idPrefix });
  const rss = rssSampler(50);
  const eld = eventLoopDelay();
  const c0 = process.cpuUsage();
  const t0 = Date.now();
  const h0 = performance.now();
  let produced = 0;
  if (mode === 'burst') {
    for (let i = 0; i < traces; i++) {
      client.trace3(i);
      if (chunk > 0 && i % chunk === chunk - 1) await tick();
    }
    produced = traces;
  } else {
    const res = await paced(rate / EVENTS_PER_TRACE, seconds, (from, count) => {
      for (let k = 0; k < count; k++) client.trace3(from + k);
    });
    produced = res.produced;
  }
  const createdMs = performance.now() - h0;
  const loop = eld.read();
  // Deadlines so one client that never settles cannot stall the run; missing one is reported.
  const flushed = await withDeadline(client.flush(), stallMs * 10);
  const flushedMs = performance.now() - h0;
  const shutDown = await withDeadline(client.shutdown(), stallMs * 10);
  const shutdownMs = performance.now() - h0;
  const cpu = cpuNs(c0);
  const stats = client.stats?.();
  const requestsSeen = http.read();
  const s = await server('waitDone', { timeoutMs: 300_000, stallMs });
  const end = s.doneAt ?? s.lastProgressAt ?? Date.now();
  const wallMs = end - t0;
  const events = produced * EVENTS_PER_TRACE;
  const unitsExpected = produced * client.unitsPerTrace3;
  // Ours = ids the caller created (when we chose them); extra = ids the client made up on its own.
  const ids = client.idPrefix ? await server('idStats', { prefix: client.idPrefix }) : undefined;
  const ours = ids ? ids.matching : Math.min(s.unique, unitsExpected);
  const extra = ids ? ids.other : Math.max(0, s.unique - unitsExpected);
  const lost = Math.max(0, unitsExpected - ours);
  // Delivered, in spans: a trace that arrived counts as 2 spans for every client, so v3's 3 envelopes
  // per trace compare with the others' 2 OTLP spans.
  const deliveredSpans = (ours / client.unitsPerTrace3) * SPANS_PER_TRACE;
  return {
    client: name,
    mode,
    options,
    payload,
    encoding: encodingLabel(options),
    config: client.config,
    traces: produced,
    events,
    unitsExpected,
    unitsPerTrace: client.unitsPerTrace3,
    createdMs,
    flushedMs,
    shutdownMs,
    wallMs,
    complete: s.doneAt !== undefined,
    eventsPerSec: (events * (1 - lost / unitsExpected)) / (wallMs / 1000),
    cpuNsPerEvent: cpu / events,
    deliveredSpans,
    cpuNsPerDeliveredSpan: deliveredSpans > 0 ? cpu / deliveredSpans : undefined,
    bytesPerDeliveredSpan: deliveredSpans > 0 ? s.bytes / deliveredSpans : undefined,
    peakRss: peakRss(),
    rssDuringRun: rss.peaks(),
    eventLoopDelayMs: loop,
    server: s,
    lost,
    lostPct: (100 * lost) / unitsExpected,
    duplicates: s.received - s.unique,
    extra,
    requests: s.requests,
    maxInflight: requestsSeen.max,
    maxConnections: s.maxConnections,
    clientErrors: {
      ...client.errors,
      ...(flushed ? {} : { [`flush() still pending after ${(stallMs * 10) / 1000} s`]: 1 }),
      ...(shutDown ? {} : { [`shutdown() still pending after ${(stallMs * 10) / 1000} s`]: 1 }),
    },
    stats,
  };
});
