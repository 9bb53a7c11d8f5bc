// Scenario 1 — caller-side cost. Times only the caller's synchronous work, in batches; between
// batches the client flushes (untimed), so every batch starts from an empty queue and no client is
// measured on a "queue full, drop" fast path. CPU including the deferred work is reported too.
import dc from 'node:diagnostics_channel';
import { createClient } from '../lib/clients.mjs';
import { main, params, server } from '../lib/ipc.mjs';
import { cpuNs, median, tick } from '../lib/stats.mjs';

const { client: name, sizes } = params;

async function measure(op, { batchSize, flush, isAsync = false, opsPerCall = 1 }) {
  const { runs, warmupRuns, batches } = sizes;
  const timed = [];
  const cpu = [];
  let i = 0;
  for (let r = 0; r < warmupRuns + runs; r++) {
    let ns = 0;
    const c0 = process.cpuUsage();
    for (let b = 0; b < batches; b++) {
      const t0 = process.hrtime.bigint();
      if (isAsync) for (let k = 0; k < batchSize; k++) await op(i++);
      else for (let k = 0; k < batchSize; k++) op(i++);
      ns += Number(process.hrtime.bigint() - t0);
      if (flush) await flush();
      else await tick();
    }
    const cpuPerOp = cpuNs(c0) / (batches * batchSize);
    if (r >= warmupRuns) {
      timed.push(ns / (batches * batchSize));
      cpu.push(cpuPerOp);
    }
  }
  const nsPerOp = median(timed);
  return {
    nsPerOp,
    nsPerObservation: nsPerOp / opsPerCall,
    cpuNsPerOp: median(cpu),
    samples: timed.map((x) => Math.round(x)),
    ops: runs * batches * batchSize,
  };
}

const work = async () => 1;

async function baseline() {
  const ch = dc.channel('langfuse.span');
  const publish = (i) => ch.publish({ name: 'retrieve', traceId: 'x', n: i });
  return [
    { case: 'publish, no subscriber', ...(await measure(publish, { batchSize: sizes.publishBatch })) },
    {
      case: 'async fn, not instrumented',
      ...(await measure(() => work(), { batchSize: sizes.batchSize, isAsync: true })),
    },
  ];
}

async function forClient() {
  const client = await createClient(name, params.server, 'default');
  await server('reset');
  const rows = [];
  const flush = () => client.flush();
  // One trace + one span: fusewire publishes 2 messages (the trace is an event of its own),
  // v3 sends 3 (trace-create, span-create, span-update), v5/OTel create 1 span (the trace is implicit).
  rows.push({
    case: 'trace + span',
    observationsPerOp: 2,
    ...(await measure((i) => client.traceWithSpan(i), { batchSize: sizes.batchSize, flush, opsPerCall: 2 })),
  });
  if (client.publishSpan) {
    rows.push({
      case: 'publish, fusewire subscribed',
      ...(await measure((i) => client.publishSpan(i), { batchSize: sizes.publishBatch, flush })),
    });
  }
  if (name === 'fusewire') rows.push(await instrumentedFusewire(client, flush));
  else if (client.tracedAsync) {
    rows.push({
      case: 'instrumented async fn',
      ...(await measure(() => client.tracedAsync(work), { batchSize: sizes.batchSize, flush, isAsync: true })),
    });
  }
  const stats = client.stats?.();
  await client.shutdown();
  const counts = await server('counts');
  return { rows, stats, serverCounts: counts };
}

/**
 * fusewire's TracingChannel helper `instrument()` is being written alongside this bench: measured
 * when core exports it, otherwise reported as pending.
 */
async function instrumentedFusewire(client, flush) {
  const instrument = client.core.instrument;
  if (typeof instrument !== 'function') {
    return { case: 'instrumented async fn', pending: '@fusewire/core does not export instrument() yet' };
  }
  // instrument(type, attributes, fn) runs fn as an observation now (like v5's startActiveObservation).
  let traced;
  try {
    const call = () => instrument('span', { name: 'work' }, work);
    const first = call();
    if (typeof first?.then === 'function') {
      await first;
      traced = call;
    }
  } catch {}
  if (!traced)
    return {
      case: 'instrumented async fn',
      pending:
        'instrument() found but instrument(type, attributes, fn) did not return a promise; update scenarios/caller-cost.mjs',
    };
  return {
    case: 'instrumented async fn',
    ...(await measure(() => traced(), { batchSize: sizes.batchSize, flush, isAsync: true })),
  };
}

main(async () => ({ client: name, ...(name === 'baseline' ? { rows: await baseline() } : await forClient()) }));
