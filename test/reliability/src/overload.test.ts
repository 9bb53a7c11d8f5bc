/**
 * Promise: bounded memory, never block. Publishing much faster than the backend accepts: the
 * heap stays under the stated bound, the event loop's p99 delay (in CPU time per loop turn) stays
 * flat (against a baseline of the same loop with fusewire off), refusals are counted, and the stats
 * balance. Measured in a child process so the test server and the runner do not pollute the numbers.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, startChild } from './support/child.js';
import { expectBalanced, publish, startClient, stopClient } from './support/client.js';
import { quickOrSoak } from './support/env.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

const DURATION_MS = quickOrSoak(5_000, 60_000);
const MAX_QUEUE = 20_000;
const MAX_BYTES = 16 * 1024 * 1024;
/**
 * The stated bound. An event held by fusewire costs at most ~3 KB of heap here (the caller's
 * object graph it keeps until flush, the normalised record with its JSON strings, the encoded
 * batch while in flight), so maxQueueSize events cost at most MAX_QUEUE × 3 KB = 60 MB, plus
 * 24 MB fixed (undici pool, two in-flight request bodies, the trace assembler's bounded map).
 * Unbounded, this publisher would hold 100k+ events per second: gigabytes.
 */
const PER_EVENT_BYTES = 3 * 1024;
const FIXED_BYTES = 24 * 1024 * 1024;
const RETAINED_BOUND = MAX_QUEUE * PER_EVENT_BYTES + FIXED_BYTES;

interface Window {
  phase: string;
  /** Event-loop delay (wall clock), ms. */
  p99: number;
  max: number;
  /** The same in process CPU time per loop turn (see the fixture), ms. */
  cpuP99: number;
  cpuMax: number;
  heapUsed: number;
  queue: number;
  queueBytes: number;
}
interface Result {
  mode: string;
  published: number;
  publishedAtEnd: number;
  baseHeap: number;
  retainedHeap: number;
  peakHeap: number;
  peakRss: number;
  windows: Window[];
  retained: Array<{ at: number; heapUsed: number }>;
  statsAtEnd?: any;
  final?: any;
  lines: Array<{ level: string; code?: string; msg: string }>;
}

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer({ keepBodies: false });
});
afterAll(() => server.close());
afterEach(killChildren);

const p = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

/** Runs the overload child; `backend` says what the server does during the overload phase. */
async function overload(mode: 'fusewire' | 'baseline', backend: 'slow' | 'down'): Promise<Result> {
  server.reset();
  const child = startChild(
    'overload.mjs',
    {
      LANGFUSE_BASE_URL: server.url,
      LANGFUSE_PUBLIC_KEY: server.publicKey,
      LANGFUSE_SECRET_KEY: server.secretKey,
      FUSEWIRE_TEST_MODE: mode,
      FUSEWIRE_TEST_DURATION_MS: String(DURATION_MS),
      FUSEWIRE_TEST_MAX_QUEUE: String(MAX_QUEUE),
      FUSEWIRE_TEST_MAX_BYTES: String(MAX_BYTES),
      FUSEWIRE_TEST_GC_EVERY_MS: String(quickOrSoak(1_000, 5_000)),
      // After a 5 s outage a failed batch's next attempt may come 15.5 s after the first failure
      // (backoff ceilings 0.5 + 1 + 2 + 4 + 8 s); after 60 s, waits reach the 30 s ceiling.
      FUSEWIRE_TEST_RECOVERY_DEADLINE_MS: String(quickOrSoak(30_000, 90_000)),
    },
    ['--expose-gc'],
  );
  await child.line('PHASE overload');
  if (backend === 'slow') server.script({ delayMs: 200, times: Number.POSITIVE_INFINITY });
  else await server.stop();
  await child.line('PHASE recovery', DURATION_MS + 20_000);
  if (backend === 'slow') server.reset();
  else await server.restart();
  const result = JSON.parse(await child.line('RESULT', quickOrSoak(60_000, 150_000))) as Result;
  const exit = await child.exited;
  expect(exit.code, child.stderrText()).toBe(0);
  return result;
}

function summary(r: Result): string {
  const ov = r.windows.filter((w) => w.phase === 'overload');
  return [
    `${r.mode}: published ${r.published} in ${DURATION_MS} ms`,
    `heap base ${mb(r.baseHeap)}, retained ${mb(r.retainedHeap)} (during: ${r.retained.map((x) => mb(x.heapUsed)).join(', ')}), peak ${mb(r.peakHeap)}, rss peak ${mb(r.peakRss)}`,
    `eld p99 per window: median ${p(
      ov.map((w) => w.p99),
      0.5,
    ).toFixed(1)} ms, worst ${p(
      ov.map((w) => w.p99),
      1,
    ).toFixed(1)} ms`,
    `loop-turn CPU p99 per window: median ${p(
      ov.map((w) => w.cpuP99),
      0.5,
    ).toFixed(1)} ms, p90 ${p(
      ov.map((w) => w.cpuP99),
      0.9,
    ).toFixed(1)} ms, worst ${p(
      ov.map((w) => w.cpuP99),
      1,
    ).toFixed(1)} ms, longest turn ${p(
      ov.map((w) => w.cpuMax),
      1,
    ).toFixed(1)} ms`,
    `log lines: ${r.lines.filter((l) => l.code === 'FUSEWIRE_QUEUE_FULL').length} QUEUE_FULL, ${r.lines.filter((l) => /queue accepting again/.test(l.msg)).length} "accepting again"`,
    r.statsAtEnd
      ? `stats at end of overload: ${JSON.stringify(r.statsAtEnd.dropped)} queue ${JSON.stringify(r.statsAtEnd.queue)}`
      : '',
  ].join('\n');
}

const results: Partial<Record<'baseline' | 'slow' | 'down', Result>> = {};

describe(`publishing faster than the backend accepts (${DURATION_MS / 1000} s)`, () => {
  it('baseline: the same loop with fusewire off', async () => {
    results.baseline = await overload('baseline', 'slow');
    console.log(summary(results.baseline));
    expect(results.baseline.published).toBeGreaterThan(0);
  });

  for (const backend of ['slow', 'down'] as const) {
    it(`backend ${backend}: heap under the bound, event-loop p99 flat, refusals counted, stats balanced, then recovers`, async () => {
      const r = await overload('fusewire', backend);
      results[backend] = r;
      console.log(summary(r));
      const base = results.baseline!;
      const ov = r.windows.filter((w) => w.phase === 'overload');

      // Memory: what stays reachable (measured after a full GC, during and at the end of the
      // run) is within the stated bound and does not creep up. The peak with garbage not yet
      // collected depends on V8's GC pacing, not on fusewire: it only guards against unbounded
      // growth (4× the bound; unbounded would be gigabytes).
      expect(r.retained.length).toBeGreaterThan(2);
      for (const x of [...r.retained, { at: DURATION_MS, heapUsed: r.retainedHeap }]) {
        expect(x.heapUsed - r.baseHeap, summary(r)).toBeLessThan(RETAINED_BOUND);
      }
      const firstHalf = Math.max(...r.retained.slice(0, Math.ceil(r.retained.length / 2)).map((x) => x.heapUsed));
      expect(r.retainedHeap, `retained heap creeps up: ${summary(r)}`).toBeLessThan(firstHalf * 1.25 + 8 * 1024 * 1024);
      expect(r.peakHeap - r.baseHeap, summary(r)).toBeLessThan(4 * RETAINED_BOUND);
      for (const w of ov) {
        expect(w.queue).toBeLessThanOrEqual(MAX_QUEUE);
        expect(w.queueBytes).toBeLessThanOrEqual(MAX_BYTES + 64 * 1024);
      }

      // Event loop: flat over time (the last windows no worse than the first ones), and close to
      // the baseline's delay. Measured in process CPU time per loop turn, not wall time: on a
      // shared 2-vCPU box the wall-clock p99 is mostly the wait for a core (baseline and fusewire
      // runs seconds apart saw 2.5 vs 44 ms, failing now and then under load). CPU time still
      // varies with load (sibling vCPUs, GC helper threads): with 2–3 busy loops beside, the
      // median window's p99 was 6–10 ms (idle ~5), the p90 window's 16–33 ms (the windows while
      // the queue fills, whose scavenges copy every held event). The baseline's median is ~1 ms.
      // The median is where fusewire's own pacing shows (one 4 ms budget per turn): a fusewire
      // holding the loop 20 ms every 300 ms moves it past 15 ms; a batch encoded in one go would
      // be a ~240 ms turn.
      const baseP99 = p(
        base.windows.filter((w) => w.phase === 'overload').map((w) => w.cpuP99),
        0.5,
      );
      const half = Math.floor(ov.length / 2);
      const early = p(
        ov.slice(1, half).map((w) => w.cpuP99),
        0.5,
      );
      const late = p(
        ov.slice(half).map((w) => w.cpuP99),
        0.5,
      );
      expect(late, summary(r)).toBeLessThanOrEqual(Math.max(early * 2, early + 10));
      expect(
        p(
          ov.map((w) => w.cpuP99),
          0.5,
        ),
        summary(r),
      ).toBeLessThanOrEqual(baseP99 + 15);
      expect(
        p(
          ov.map((w) => w.cpuP99),
          0.9,
        ),
        summary(r),
      ).toBeLessThanOrEqual(baseP99 + 50);

      // Refusals are counted, and the books balance.
      expect(r.statsAtEnd.dropped.queue_full).toBeGreaterThan(0);
      expectBalanced(r.statsAtEnd);
      expect(r.statsAtEnd.enqueued).toBe(r.publishedAtEnd); // every publish counted, refused ones too
      expectBalanced(r.final);
      expect(r.final.pending).toBe(0);
      expect(r.final.enqueued).toBe(r.published);
      // A refusal warning was logged, and recovery too.
      expect(r.lines.some((l) => l.code === 'FUSEWIRE_QUEUE_FULL')).toBe(true);
      expect(r.lines.some((l) => /queue accepting again/.test(l.msg))).toBe(true);
    });
  }

  // BUG-7 (core pipeline.ts #refuse/#recovered): under sustained overload the queue flaps: each
  // finished batch frees room, the next publish is accepted, `#recovered()` logs "queue
  // accepting again" and the next refusal logs FUSEWIRE_QUEUE_FULL again: two log lines per
  // batch (~70 in 5 s here, ~800 per minute), where RELIABILITY.md promises one warning when
  // refusing starts and one when it stops. Fix: hysteresis — report recovery only once the queue
  // is back under a low-water mark (e.g. half of maxQueueSize and maxQueueBytes) or after it has
  // accepted for some time, and warn about refusals at most once per episode.
  it('BUG-7 (fixed): refusals are warned once and recovery logged once per overload episode', () => {
    const r = results.slow;
    if (r === undefined) return; // no run, no verdict: reported as "expected to fail" so it is seen
    expect(r!.lines.filter((l) => l.code === 'FUSEWIRE_QUEUE_FULL')).toHaveLength(1);
    expect(r!.lines.filter((l) => /queue accepting again/.test(l.msg))).toHaveLength(1);
  });
});

// BUG-8 (core normalize.ts estimateBytes / sizeOf): the byte accounting behind maxQueueBytes and
// maxBatchBytes misses most of an event. At accept time only top-level *string* input/output
// count (not a metadata string, not object payloads), and the drain that corrects the estimate
// runs only once flushAt events wait, so a burst is accepted far past maxQueueBytes. After
// normalisation, userId, sessionId, tags, release, version, environment, model,
// modelParameters, usageDetails, costDetails and promptName still count for nothing, so a batch
// can exceed maxBatchBytes (OTLP has no 413 to save it) and a single huge event is sent instead
// of being dropped as too_large. Fix: count every top-level string (and an O(1) guess for
// objects) in estimateBytes; re-check the byte limit after normalising; include every string
// field in sizeOf.
describe('byte bounds (in process)', () => {
  afterEach(() => stopClient());

  it('BUG-8 (fixed): maxQueueBytes refuses a burst of large metadata strings', async () => {
    const { client } = startClient(server, { maxQueueBytes: 10 * 1024 * 1024, flushIntervalMs: 60_000 });
    const meta = 'm'.repeat(1024 * 1024);
    for (let i = 0; i < 100; i++) publish('span', { name: `m-${i}`, metadata: meta });
    const s = client.stats();
    expect(s.dropped.queue_full, JSON.stringify(s.queue)).toBeGreaterThan(80);
  });

  it('BUG-8 (fixed): no request body exceeds maxBatchBytes; a single oversized event is too_large', async () => {
    server.reset();
    const { client } = startClient(server, { maxBatchBytes: 1024 * 1024 });
    const big = 'u'.repeat(3 * 1024 * 1024);
    // Trace fields ride on the trace's own spans (no carrier span): the root carries the huge userId.
    publish('trace', { id: 'big-user', name: 't', userId: big });
    publish('span', { traceId: 'big-user', name: 'root' });
    publish('generation', { name: 'g', model: big });
    const s = await client.flush(10_000);
    expectBalanced(s);
    for (const r of server.received.requests) expect(r.bytes).toBeLessThanOrEqual(1024 * 1024);
    // The update, the root span that must carry it, and the generation: each too large on its own.
    expect(s.dropped.too_large).toBe(3);
  });
});
