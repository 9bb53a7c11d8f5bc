import { describe, expect, it } from 'vitest';
import { readSpoolStats } from '../inspect.js';
import { tempDir } from '../test-support.js';
import { type App, idPrefixes, spansOf, spoolE2e, startApp } from './harness.js';

// Real SQLite files, real child processes, SIGKILL. Each trace is a trace record, a root span and a
// child span: two spans at the server, the trace's fields riding on the root.
const world = spoolE2e({ keepBodies: true });
const { apps, dirs } = world;

function file(): string {
  const t = tempDir();
  dirs.push(t);
  return t.path;
}

async function app(config: Parameters<typeof startApp>[1], prefixes = idPrefixes()): Promise<App> {
  const a = await startApp(world.server, { client: { flushIntervalMs: 50 }, ...config }, prefixes);
  apps.push(a);
  return a;
}

/** Every trace of a prefix arrived with its fields on the root. */
function expectTracesComplete(tracePrefix: string, count: number): void {
  const mine = world.server.received.traces().filter((t) => t.id.startsWith(tracePrefix));
  expect(mine).toHaveLength(count);
  for (const t of mine) {
    expect(t.name).toBe('spool-trace');
    expect(t.userId).toMatch(/^user-\d+$/);
    expect(t.observations.map((o) => o.name).sort()).toEqual(['child', 'root']);
  }
}

describe('crash safety (SIGKILL, real SQLite, real processes)', () => {
  it('backend dead, events accepted, SIGKILL, restart with the backend up: every event delivered, none twice', async () => {
    const path = file();
    const prefixes = idPrefixes();
    await world.server.stop();
    const first = await app({ path }, prefixes);
    const snap = await first.publish(0, 300);
    expect(snap.accepted).toBe(600);
    expect(snap.spool.waiting).toBe(900);
    await first.kill();
    expect(readSpoolStats(path).waiting.events).toBe(900);

    await world.server.restart();
    const second = await app({ path }, prefixes);
    await world.server.waitFor(() => spansOf(world.server, prefixes.spanPrefix).size === 600, 30_000);
    const final = await second.shutdown();
    const counts = spansOf(world.server, prefixes.spanPrefix);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expectTracesComplete(prefixes.tracePrefix, 300);
    expect(final.stats.dropped).toMatchObject({ retry_exhausted: 0, shutdown_timeout: 0 });
    expect(readSpoolStats(path).waiting.events).toBe(0);
  });

  it('SIGKILL while delivering: everything accepted arrives; only requests in flight repeat', async () => {
    const path = file();
    const prefixes = idPrefixes();
    // Slow answers: the kill lands while requests are out and rows are claimed.
    world.server.script([{ endpoint: 'otlp', delayMs: 100, times: 1_000 }]);
    const first = await app({ path, client: { flushIntervalMs: 50, flushAt: 20 } }, prefixes);
    await first.publish(0, 400);
    await world.server.waitFor(() => spansOf(world.server, prefixes.spanPrefix).size >= 250, 30_000);
    await first.kill();
    const before = spansOf(world.server, prefixes.spanPrefix).size;
    expect(before).toBeLessThan(800);
    const second = await app({ path, client: { flushIntervalMs: 50, flushAt: 20 } }, prefixes);
    await world.server.waitFor(() => spansOf(world.server, prefixes.spanPrefix).size === 800, 60_000);
    await second.shutdown();
    // Rows settled as delivered are not sent again: at most the requests in flight at the kill are.
    const resent = [...spansOf(world.server, prefixes.spanPrefix).values()].filter((n) => n > 1).length;
    expect(resent).toBeLessThan(100);
    expectTracesComplete(prefixes.tracePrefix, 400);
  });

  it('two processes on one file: live ones never send the same row; a SIGKILLed one is taken over', async () => {
    const path = file();
    const a = await app({ path, spool: { leaseMs: 2_000 } });
    const b = await app({ path, spool: { leaseMs: 2_000 } });
    await Promise.all([a.publish(0, 200), b.publish(0, 200)]);
    await world.server.waitFor(
      () => spansOf(world.server, a.spanPrefix).size === 400 && spansOf(world.server, b.spanPrefix).size === 400,
      30_000,
    );
    const dupes = (p: string) => [...spansOf(world.server, p).values()].filter((n) => n > 1).length;
    expect(dupes(a.spanPrefix) + dupes(b.spanPrefix)).toBe(0);

    await world.server.stop();
    await Promise.all([a.publish(200, 200), b.publish(200, 200)]);
    await a.kill();
    await world.server.restart();
    // b retried through the outage: its next retry may be up to 30 s away (backoff), on a loaded machine.
    await world.server.waitFor(
      () => spansOf(world.server, a.spanPrefix).size === 800 && spansOf(world.server, b.spanPrefix).size === 800,
      60_000,
    );
    await b.shutdown();
    expect(dupes(a.spanPrefix) + dupes(b.spanPrefix)).toBe(0);
    // Every trace of the SIGKILLed process arrives once and complete, with its trace fields: a
    // trace's rows are claimed together, so its update and its root meet in one process's export.
    expectTracesComplete(a.tracePrefix, 400);
    expectTracesComplete(b.tracePrefix, 400);
    expect(readSpoolStats(path).waiting.events).toBe(0);
  });

  it('a tiny maxBytes refuses new events as spool_full and delivers exactly the accepted ones', async () => {
    const path = file();
    await world.server.stop();
    const first = await app({ path, spool: { maxBytes: 60_000 } });
    const snap = await first.publish(0, 500);
    expect(snap.refused).toBeGreaterThan(0);
    expect(snap.stats.dropped.spool_full).toBe(snap.refused);
    expect(snap.warnings.filter((w) => w.code === 'FUSEWIRE_SPOOL_FULL')).toHaveLength(1);
    await first.kill();
    await world.server.restart();
    const second = await app({ path, spool: { maxBytes: 60_000 } }, first);
    await world.server.waitFor(() => spansOf(world.server, first.spanPrefix).size >= snap.accepted, 30_000);
    await second.shutdown();
    expect([...spansOf(world.server, first.spanPrefix).keys()].sort()).toEqual([...snap.acceptedIds].sort());
  });
});
