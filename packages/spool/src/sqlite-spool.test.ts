import { afterEach, describe, expect, it } from 'vitest';
import { CLEANUP_STEP } from './cleanup.js';
import { databaseOf, runTick } from './sqlite-spool.js';
import { captureLog, ids, openSpool, span, tempDir } from './test-support.js';

const dirs: Array<{ cleanup(): void }> = [];
function file() {
  const t = tempDir();
  dirs.push(t);
  return t.path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('sqliteSpool', () => {
  it('hands back what was appended, oldest first, and forgets it once delivered', async () => {
    const spool = openSpool({ path: file(), retentionMs: 60_000 });
    const records = [span(), span(), span()];
    expect(spool.append(records)).toEqual({ refused: [] });
    expect(spool.stats()).toMatchObject({ events: 3, waiting: 3, healthy: true, durable: true });
    const claimed = spool.claim(10, 1e9);
    expect(ids(claimed)).toEqual(ids(records));
    expect(claimed[0]).toEqual(records[0]);
    expect(spool.claim(10, 1e9)).toEqual([]);
    spool.settle(claimed, 'delivered');
    expect(spool.stats()).toMatchObject({ events: 0, waiting: 0, deliveredKept: 3 });
    await spool.close();
  });

  it('without a retention, a delivered row is removed at once', async () => {
    const path = file();
    const spool = openSpool({ path });
    spool.append([span(), span()]);
    spool.settle(spool.claim(10, 1e9), 'delivered');
    expect(spool.stats()).toMatchObject({ events: 0, waiting: 0, deliveredKept: 0 });
    expect(databaseOf(spool)!.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 0 });
    await spool.close();
  });

  it('claims by count and bytes, always at least one', async () => {
    const spool = openSpool({ path: file() });
    spool.append([span(), span(), span(), span()]);
    expect(spool.claim(2, 1e9)).toHaveLength(2);
    expect(spool.claim(10, 1)).toHaveLength(1);
    await spool.close();
  });

  it('gives an earlier process its rows back on restart, with every field, before newer ones', async () => {
    const path = file();
    const first = openSpool({ path });
    const old = [span(undefined, { input: '{"q":"é 🎉"}', metadata: '{"a":1}' }), span()];
    first.append(old);
    first.claim(1, 1e9); // in flight when the process "dies": close releases it
    await first.close();
    const second = openSpool({ path });
    second.append([span()]);
    const claimed = second.claim(10, 1e9);
    expect(claimed.slice(0, 2)).toEqual(old);
    expect(claimed).toHaveLength(3);
    await second.close();
  });

  it('two live spools on one file never claim the same row; a dead one is taken over when its lease ends', async () => {
    const path = file();
    let now = 1_000_000;
    const clock = () => now;
    const a = openSpool({ path, leaseMs: 1_000 }, clock);
    const b = openSpool({ path, leaseMs: 1_000 }, clock);
    a.append(Array.from({ length: 10 }, () => span()));
    const fromA = a.claim(4, 1e9);
    const fromB = b.claim(100, 1e9);
    expect(fromA).toHaveLength(4);
    expect(fromB).toHaveLength(6);
    expect(new Set(ids([...fromA, ...fromB])).size).toBe(10);
    b.settle(fromB, 'delivered');
    // a stops heart-beating (hung); b takes its rows once the lease has run out, not before.
    now += 500;
    expect(b.claim(100, 1e9)).toEqual([]);
    now += 1_000;
    expect(ids(b.claim(100, 1e9))).toEqual(ids(fromA));
    await a.close();
    await b.close();
  });

  it("claims a trace's rows together, and leaves a trace another live spool holds rows of to that spool", async () => {
    const path = file();
    const a = openSpool({ path });
    const b = openSpool({ path });
    const t1 = '1'.repeat(32);
    const t2 = '2'.repeat(32);
    const first = [span(t1), span(t1), span(t2), span(t1)];
    a.append(first);
    // Two asked for, the rest of t1 comes along (t2's row in between stays).
    expect(ids(a.claim(2, 1e9))).toEqual(ids([first[0]!, first[1]!, first[3]!]));
    const late = span(t1);
    b.append([late]);
    // a holds rows of t1: b takes t2 only, a the late row of t1.
    expect(ids(b.claim(10, 1e9))).toEqual(ids([first[2]!]));
    expect(ids(a.claim(10, 1e9))).toEqual(ids([late]));
    await a.close();
    await b.close();
  });

  it('a file that takes no write is still delivered: rows are read without a claim, outcomes written once it can', async () => {
    const log = captureLog();
    let now = 1_000;
    const spool = openSpool({ path: file(), logger: log }, () => now);
    const db = databaseOf(spool)!;
    const rows = Array.from({ length: 6 }, () => span());
    spool.append(rows);
    db.pragma('query_only = 1'); // every write now fails with SQLITE_READONLY, as on a read-only file
    const first = spool.claim(4, 1e9);
    expect(ids(first)).toEqual(ids(rows.slice(0, 4)));
    expect(spool.stats()).toMatchObject({ healthy: false, claimedHere: 4, events: 6 });
    expect(spool.stats().error).toMatch(/read_only/);
    // Neither a claim nor a peek hands out a row twice while it is held or its outcome unwritten.
    spool.settle(first.slice(0, 2), 'delivered');
    spool.release(first.slice(2));
    expect(spool.stats()).toMatchObject({ events: 4, settledUnwritten: 2 });
    const second = spool.claim(10, 1e9);
    expect(ids(second)).toEqual(ids(rows.slice(2)));
    expect(spool.claim(10, 1e9)).toEqual([]);
    spool.settle(second, 'non_retryable', 'rejected');
    expect(spool.stats()).toMatchObject({ events: 0, waiting: 6, settledUnwritten: 6 });
    expect(log.lines.filter((l) => l.obj.code === 'FUSEWIRE_SPOOL_ERROR')).toHaveLength(1);
    // Writable again: the next tick writes the outcomes.
    db.pragma('query_only = 0');
    now += 5_000;
    runTick(spool);
    expect(spool.stats()).toMatchObject({ healthy: true, events: 0, waiting: 0, settledUnwritten: 0, deadLetters: 4 });
    await spool.close();
  });

  it('refuses new events as spool_full when undelivered fill maxBytes, and never drops older ones', async () => {
    const log = captureLog();
    const spool = openSpool({ path: file(), maxBytes: 2_000, logger: log });
    const first = Array.from({ length: 5 }, () => span());
    expect(spool.append(first).refused).toEqual([]);
    const more = Array.from({ length: 10 }, () => span());
    const result = spool.append(more);
    expect(result.reason).toBe('spool_full');
    expect(result.refused.length).toBeGreaterThan(0);
    expect(more.slice(more.length - result.refused.length)).toEqual(result.refused);
    expect(spool.stats().refusedFull).toBe(result.refused.length);
    expect(log.lines.filter((l) => l.obj.code === 'FUSEWIRE_SPOOL_FULL')).toHaveLength(1);
    const claimed = spool.claim(100, 1e9);
    expect(claimed.slice(0, 5)).toEqual(first);
    spool.settle(claimed, 'delivered');
    expect(spool.append([span()]).refused).toEqual([]);
    await spool.close();
  });

  it('keeps dead letters with their reason; they count as undelivered', async () => {
    const spool = openSpool({ path: file() });
    spool.append([span(), span()]);
    const claimed = spool.claim(10, 1e9);
    spool.settle(claimed, 'non_retryable', 'HTTP 400: bad span');
    expect(spool.stats()).toMatchObject({ events: 0, deadLetters: 2 });
    const db = databaseOf(spool)!;
    expect(db.prepare('SELECT reason, message FROM events WHERE state = 2').all()).toEqual([
      { reason: 'non_retryable', message: 'HTTP 400: bad span' },
      { reason: 'non_retryable', message: 'HTTP 400: bad span' },
    ]);
    await spool.close();
  });

  it('released rows are claimed again', async () => {
    const spool = openSpool({ path: file() });
    spool.append([span(), span()]);
    const claimed = spool.claim(10, 1e9);
    spool.release(claimed);
    expect(ids(spool.claim(10, 1e9))).toEqual(ids(claimed));
    await spool.close();
  });

  it('a full disk keeps events in memory, says so, and writes them to the file once it has room', async () => {
    const log = captureLog();
    let now = 1_000;
    const spool = openSpool({ path: file(), logger: log }, () => now);
    const db = databaseOf(spool)!;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = Array.from({ length: 50 }, () => span(undefined, { input: 'x'.repeat(4_000) }));
    expect(spool.append(big)).toEqual({ refused: [] });
    const stats = spool.stats();
    expect(stats).toMatchObject({ healthy: false, inMemory: 50 });
    expect(stats.error).toMatch(/disk_full/);
    expect(stats.faults.disk_full).toBe(1);
    expect(log.lines.filter((l) => l.obj.code === 'FUSEWIRE_SPOOL_ERROR')).toHaveLength(1);
    // Still served from memory while the disk is full.
    const claimed = spool.claim(5, 1e9);
    expect(ids(claimed)).toEqual(ids(big.slice(0, 5)));
    spool.settle(claimed, 'delivered');
    db.pragma('max_page_count = 1000000');
    now += 5_000;
    expect(spool.append([span()]).refused).toEqual([]);
    expect(spool.stats()).toMatchObject({ healthy: true, inMemory: 0, waiting: 46 });
    expect(log.lines.filter((l) => l.obj.code === 'FUSEWIRE_SPOOL_RECOVERED')).toHaveLength(1);
    await spool.close();
  });
});

describe('a file damaged while in use', () => {
  it('counts the damage, logs it once, keeps new events in memory and serves them', async () => {
    const { closeSync, openSync, statSync, writeSync } = await import('node:fs');
    const path = file();
    const writer = openSpool({ path });
    writer.append(Array.from({ length: 2_000 }, () => span(undefined, { input: 'y'.repeat(300) })));
    await writer.close();
    const log = captureLog();
    let now = 1_000;
    const spool = openSpool({ path, logger: log }, () => now);
    // Damage the last pages (the newest rows, where the next insert goes) after the open checks passed.
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    for (let at = size - 40 * 4096; at < size; at += 4096) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, at);
    closeSync(fd);
    const fresh = [span(), span()];
    let seen = 0;
    for (let i = 0; i < 200 && spool.stats().faults.corrupt === 0; i++) {
      now += 100;
      seen += spool.claim(50, 1e9).length;
    }
    expect(spool.append(fresh)).toEqual({ refused: [] });
    const stats = spool.stats();
    expect(stats.faults.corrupt).toBeGreaterThan(0);
    expect(stats.healthy).toBe(false);
    expect(stats.error).toMatch(/corrupt/);
    expect(log.lines.filter((l) => l.obj.code === 'FUSEWIRE_SPOOL_ERROR')).toHaveLength(1);
    // Served from memory while the file is broken.
    expect(ids(spool.claim(10, 1e9))).toEqual(ids(fresh));
    expect(seen).toBeLessThan(2_000);
    await spool.close();
  });
});

describe('a file locked by another process', () => {
  it('waits busyTimeoutMs at most, keeps the events in memory, and writes them once the lock is gone', async () => {
    const Database = (await import('better-sqlite3')).default;
    const path = file();
    const log = captureLog();
    let now = 1_000;
    const spool = openSpool({ path, logger: log, busyTimeoutMs: 20 }, () => now);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const held = [span(), span()];
    const started = performance.now();
    expect(spool.append(held)).toEqual({ refused: [] });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(spool.stats()).toMatchObject({ healthy: false, inMemory: 2 });
    expect(spool.stats().faults.locked).toBe(1);
    other.exec('COMMIT');
    other.close();
    now += 1_000;
    spool.append([span()]);
    expect(spool.stats()).toMatchObject({ healthy: true, inMemory: 0, waiting: 3 });
    expect(ids(spool.claim(10, 1e9)).slice(0, 2)).toEqual(ids(held));
    await spool.close();
  });
});

describe('cleanup', () => {
  it('removes delivered rows after retentionMs, in steps that keep up, and never a waiting one', async () => {
    let now = 1_000_000;
    const spool = openSpool({ path: file(), retentionMs: 60_000 }, () => now);
    spool.append(Array.from({ length: CLEANUP_STEP + 100 }, () => span()));
    const claimed = spool.claim(CLEANUP_STEP + 50, 1e12);
    spool.settle(claimed, 'delivered');
    runTick(spool);
    expect(spool.stats().deliveredKept).toBe(CLEANUP_STEP + 50);
    now += 60_001;
    runTick(spool);
    // At least one full step per tick; more when they fit the tick's time budget.
    expect(spool.stats().deliveredKept).toBeLessThanOrEqual(50);
    for (let i = 0; i < 3 && spool.stats().deliveredKept > 0; i++) runTick(spool);
    expect(spool.stats()).toMatchObject({ deliveredKept: 0, waiting: 50 });
    await spool.close();
  });

  it('removes delivered rows early when the file passes maxBytes; dead letters after their own retention', async () => {
    let now = 1_000_000;
    const spool = openSpool(
      { path: file(), maxBytes: 20_000, retentionMs: 3_600_000, deadLetterRetentionMs: 1_000 },
      () => now,
    );
    for (let i = 0; i < 5; i++) {
      spool.append(Array.from({ length: 20 }, () => span()));
      spool.settle(spool.claim(100, 1e12), 'delivered');
    }
    expect(spool.stats().deliveredKept).toBeGreaterThan(0);
    runTick(spool);
    expect(spool.stats().deliveredKept).toBe(0);
    spool.append([span()]);
    spool.settle(spool.claim(1, 1e12), 'non_retryable', 'HTTP 400');
    runTick(spool);
    expect(spool.stats().deadLetters).toBe(1);
    now += 1_001;
    runTick(spool);
    expect(spool.stats().deadLetters).toBe(0);
    await spool.close();
  });
});
