// Scenario 5 — drain stall (#18): does the client's own work stall the event loop while it drains a
// backlog? A backlog of realistic traces is published while the server is stopped (unreachable), the
// server comes back, the client is asked to flush, and the event-loop delay is sampled at 1 ms
// resolution until the server holds everything (or stops receiving). The app does nothing else
// meanwhile, so every delay above 1 ms is the client's: serialisation, compression, HTTP.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient } from '../lib/clients.mjs';
import { main, params, server } from '../lib/ipc.mjs';
import { cpuNs, peakRss, sleep, tick } from '../lib/stats.mjs';

const EVENTS_PER_TRACE = 3;

/** Flushes until the server stops receiving (warm-up only). */
async function settle(client) {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    await client.flush();
    await sleep(100);
    const { received } = await server('counts');
    if (received === last) return;
    last = received;
  }
}

/** Longest gaps between 1 ms ticks: a second view of the same stall, independent of the histogram. */
function timerLag() {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > max) max = now - last;
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(0, max - 1);
    },
  };
}

main(async () => {
  const { client: name, backlogEvents, chunk, warmupTraces, stallMs, options = {} } = params;
  // Queues large enough to hold the backlog where the library lets you raise them (v5: its defaults).
  const client = await createClient(name, params.server, 'burst', options);

  let next = 1_000_000_000;
  for (let i = 0; i < warmupTraces; i++) {
    client.trace3(next++);
    if (i % 500 === 499) await tick();
  }
  await settle(client);
  await server('reset');

  await server('stop');
  const traces = Math.ceil(backlogEvents / EVENTS_PER_TRACE);
  for (let i = 0; i < traces; i++) {
    client.trace3(i);
    if (i % chunk === chunk - 1) await tick();
  }
  await sleep(200); // the client meets the refused connections and backs off; the backlog is held
  const statsBeforeDrain = client.stats?.();
  const expected = traces * client.unitsPerTrace3;
  await server('expect', { count: expected, prefix: client.idPrefix });

  // Samplers first, and a few ticks for them to run: the histogram's timer only starts on the next
  // loop turn, so a stall right after enable() would go unseen.
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const lag = timerLag();
  await sleep(20);
  await server('restart');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const flushing = client.flush();
  const s = await server('waitDone', { timeoutMs: 300_000, stallMs });
  const drainMs = performance.now() - t0;
  eld.disable();
  const maxTimerLagMs = lag.stop();
  const cpu = cpuNs(c0);
  await Promise.race([flushing, sleep(1000)]);
  const ids = client.idPrefix ? await server('idStats', { prefix: client.idPrefix }) : undefined;
  const delivered = ids ? ids.matching : Math.min(s.unique, expected);
  await Promise.race([client.shutdown(), sleep(stallMs)]);
  return {
    client: name,
    options,
    config: client.config,
    traces,
    events: traces * EVENTS_PER_TRACE,
    unitsExpected: expected,
    delivered,
    deliveredPct: (100 * delivered) / expected,
    complete: s.doneAt !== undefined,
    drainMs,
    eventLoopDelayMs: {
      max: eld.max / 1e6,
      p99: eld.percentile(99) / 1e6,
      p50: eld.percentile(50) / 1e6,
      samples: eld.count,
    },
    maxTimerLagMs,
    cpuNsPerDeliveredUnit: delivered > 0 ? cpu / delivered : undefined,
    peakRss: peakRss(),
    statsBeforeDrain,
    stats: client.stats?.(),
    clientErrors: client.errors,
    server: s,
  };
});
