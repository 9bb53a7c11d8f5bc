// Scenario 4 — a dead backend. Publish at a steady rate with the server up (baseline), then with
// it refusing connections, then let it come back and see what is delivered. Memory and event-loop
// delay are read per phase; each client runs at its defaults (fusewire: maxQueueSize 50,000).
import { createClient } from '../lib/clients.mjs';
import { trackInflight } from '../lib/inflight.mjs';
import { main, params, server } from '../lib/ipc.mjs';
import { eventLoopDelay, paced, peakRss, rssSampler, sleep } from '../lib/stats.mjs';

const EVENTS_PER_TRACE = 3;

const withDeadline = (promise, ms) => Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);

main(async () => {
  const { client: name, rate, warmupSeconds, healthySeconds, deadSeconds, recoverSeconds } = params;
  const http = trackInflight();
  const client = await createClient(name, params.server, 'default');
  await server('reset');
  const perSecond = rate / EVENTS_PER_TRACE;
  const rss = rssSampler(100);
  const eld = eventLoopDelay();
  let next = 0;
  const emit = (_from, count) => {
    for (let k = 0; k < count; k++) client.trace3(next++);
  };

  // Warm-up (JIT, connections), not measured.
  await paced(perSecond, warmupSeconds, emit);
  rss.phase('healthy');
  eld.reset();
  await paced(perSecond, healthySeconds, emit);
  const healthy = eld.read();

  await server('refuse', { ms: deadSeconds * 1000 });
  rss.phase('dead');
  http.reset();
  eld.reset();
  await paced(perSecond, deadSeconds, emit);
  const dead = eld.read();
  const requestsDuringOutage = http.read();
  const statsAtEndOfOutage = client.stats?.();

  rss.phase('recovery');
  await server('restart').catch(() => {}); // already listening again if the refuse timer fired first
  const flushed = await withDeadline(client.flush(), recoverSeconds * 1000);
  const shutDown = await withDeadline(client.shutdown(), 10_000);
  const peaks = rss.peaks();
  const deadSamples = rss.samples('dead');
  const third = Math.max(1, Math.floor(deadSamples.length / 3));
  const middle = Math.max(...deadSamples.slice(third, 2 * third));
  const last = Math.max(...deadSamples.slice(2 * third));
  const s = await server('counts');
  const traces = next;
  return {
    client: name,
    config: client.config,
    rate,
    traces,
    events: traces * EVENTS_PER_TRACE,
    unitsExpected: traces * client.unitsPerTrace3,
    delivered: s.unique,
    deliveredPct: (100 * s.unique) / (traces * client.unitsPerTrace3),
    duplicates: s.received - s.unique,
    eventLoopDelayMs: { healthy, dead },
    rss: {
      healthy: peaks.healthy,
      dead: peaks.dead,
      recovery: peaks.recovery,
      deadMiddleThird: middle,
      deadLastThird: last,
    },
    peakRss: peakRss(),
    requestsDuringOutage,
    flushedWithinRecovery: flushed,
    clientErrors: client.errors,
    shutDownWithin10s: shutDown,
    statsAtEndOfOutage,
    stats: client.stats?.(),
    server: s,
  };
});
