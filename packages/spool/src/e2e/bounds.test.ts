import { describe, expect, it } from 'vitest';
import { readSpoolStats } from '../inspect.js';
import { tempDir } from '../test-support.js';
import { type App, spansOf, spoolE2e, startApp } from './harness.js';

// With a spool, core's queue bounds (maxQueueSize/maxQueueBytes) count only what is in memory:
// a backlog on disk is bounded by the spool's maxBytes alone. Real child processes, real SQLite.
const world = spoolE2e({ keepBodies: false });
const { apps, dirs } = world;

async function app(config: Parameters<typeof startApp>[1], prefixes?: Parameters<typeof startApp>[2]): Promise<App> {
  const a = await startApp(world.server, { client: { flushIntervalMs: 50, maxQueueSize: 100 }, ...config }, prefixes);
  apps.push(a);
  return a;
}

describe('queue bounds with a spool', () => {
  it('a spooled backlog grows past maxQueueSize (bounded by maxBytes); memory stays bounded by it', async () => {
    const t = tempDir();
    dirs.push(t);
    await world.server.stop();
    const first = await app({ path: t.path });
    // 600 events in chunks of 90, each on disk before the next: 6× maxQueueSize, none refused.
    let snap = await first.publish(0, 30);
    for (let i = 1; i < 20; i++) snap = await first.publish(30 * i, 30);
    expect(snap.stats.dropped).toMatchObject({ queue_full: 0, spool_full: 0 });
    expect(snap.spool.waiting).toBe(1_800);
    expect(snap.stats.pending).toBe(1_800);
    // Counted by the bound: what is not yet on disk (nothing now), never the backlog.
    expect(snap.stats.queue.size).toBeLessThanOrEqual(100);
    // 300 events at once, on one stack: no drain runs in between, so intake holds 100 and the
    // bound refuses the other 200 (memory stays bounded).
    const burst = await first.publish(600, 100);
    expect(burst.stats.dropped.queue_full).toBe(200);
    await first.kill();
    const accepted = burst.accepted;
    expect(readSpoolStats(t.path).waiting.events).toBe(1_800 + 300 - 200);

    await world.server.restart();
    const second = await app({ path: t.path }, first);
    await world.server.waitFor(() => spansOf(world.server, first.spanPrefix).size === accepted, 30_000);
    const end = await second.shutdown();
    expect([...spansOf(world.server, first.spanPrefix).keys()].sort()).toEqual([...burst.acceptedIds].sort());
    expect(end.stats.dropped).toMatchObject({ queue_full: 0, spool_full: 0, shutdown_timeout: 0 });
    expect(readSpoolStats(t.path).waiting.events).toBe(0);
  });

  it('a full spool refuses as spool_full, not queue_full, however far past maxQueueSize it is', async () => {
    const t = tempDir();
    dirs.push(t);
    await world.server.stop();
    const a = await app({ path: t.path, spool: { maxBytes: 150_000 } });
    let snap = await a.publish(0, 30);
    for (let i = 1; i < 20; i++) snap = await a.publish(30 * i, 30);
    expect(snap.stats.dropped.queue_full).toBe(0);
    expect(snap.stats.dropped.spool_full).toBeGreaterThan(0);
    expect(snap.stats.dropped.spool_full).toBe(snap.refused);
    // Older events are kept: what is waiting is exactly what was accepted, far more than maxQueueSize.
    expect(snap.spool.waiting).toBe(1_800 - snap.refused);
    expect(snap.spool.waiting).toBeGreaterThan(100);
  });
});
