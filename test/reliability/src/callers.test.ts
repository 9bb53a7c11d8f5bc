/**
 * Callers that stress the pipeline itself: flush() on every request during an outage, a burst
 * of large objects published in one synchronous loop, a long burst of small traces in chunks, two
 * clients created in one process with different options. Real child processes against the
 * Langfuse test server; what is measured is the app's side: CPU and event-loop stalls after
 * recovery, the longest stall while large events drain, when batches leave during a burst, and
 * what each server stored.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killChildren, startChild } from './support/child.js';
import { quickOrSoak, SOAK } from './support/env.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => killChildren());

const keys = () => ({
  LANGFUSE_BASE_URL: server.url,
  LANGFUSE_PUBLIC_KEY: server.publicKey,
  LANGFUSE_SECRET_KEY: server.secretKey,
});

interface Storm {
  requests: number;
  flushes: number;
  stats: { delivered: number; pending: number; enqueued: number };
  recoveryMs: number;
  recoveryCpuMs: number;
  maxStallMs: number;
}

async function storm(rate: number, outageMs: number, flushEvery: number): Promise<Storm> {
  const child = startChild('flush-storm.mjs', {
    ...keys(),
    FUSEWIRE_TEST_RATE: String(rate),
    FUSEWIRE_TEST_OUTAGE_MS: String(outageMs),
    FUSEWIRE_TEST_FLUSH_EVERY: String(flushEvery),
  });
  await child.line('STORM');
  await server.stop();
  await child.line('RECOVER', outageMs + 30_000);
  await server.restart();
  return JSON.parse(await child.line('RESULT', 90_000)) as Storm;
}

// Item 4: expired flush waiters piled up during an outage; recovery then cost CPU and stalls
// that grew with every past flush.
describe('flush() on every request during an outage', () => {
  it('recovery after an outage costs the same whether every request flushed or one in a hundred; nothing lost', async () => {
    const outageMs = quickOrSoak(3_000, 30_000);
    const rate = quickOrSoak(3_000, 1_000);
    const few = await storm(rate, outageMs, 100);
    const many = await storm(rate, outageMs, 1);
    for (const r of [few, many]) {
      expect(r.stats.pending).toBe(0);
      expect(r.stats.delivered).toBe(r.stats.enqueued);
    }
    const summary = `one in 100: ${JSON.stringify(few)}\nevery request: ${JSON.stringify(many)}`;
    // A flush must not cost more for every flush before it: the storm keeps its pace …
    expect(many.requests, summary).toBeGreaterThan(few.requests * 0.6);
    // … and with the same events to send, past flushes (expired long ago) add nothing to recovery.
    expect(many.recoveryCpuMs, summary).toBeLessThan(few.recoveryCpuMs * 2 + 300);
    expect(many.maxStallMs, summary).toBeLessThan(Math.max(few.maxStallMs * 3, 150));
  });
});

interface Drain {
  maxStallMs: number;
  /** CPU time of the longest single task (callback) while draining. */
  maxTaskCpuMs: number;
  tookMs: number;
  stats?: { delivered: number; enqueued: number };
}

async function drain(mode: 'fusewire' | 'baseline', count: number, kb: number): Promise<Drain> {
  const child = startChild('drain-stall.mjs', {
    ...keys(),
    FUSEWIRE_TEST_MODE: mode,
    FUSEWIRE_TEST_COUNT: String(count),
    FUSEWIRE_TEST_KB: String(kb),
  });
  return JSON.parse(await child.line('RESULT', 120_000)) as Drain;
}

// Item 6: a drain that normalised and encoded without a time budget stalled the event loop for
// hundreds of ms with large objects. Then slices with budgets of their own (the drain's 8 ms, each
// request's encoding 2.5 ms) ran back to back in one iteration of the loop: 50–100 ms. Now all of
// fusewire's background work shares one budget per iteration (core's TurnBudget: 4 ms), and the
// clock is read after every large event. Asserted on the CPU time of the longest single task, not
// on wall-clock stalls: on a shared, loaded box a short slice can measure 100 ms of wall time (the
// process waiting for a core) while an idle baseline barely waits. The wall-clock figures, against
// the same app without tracing, are the bench's (test/bench/scenarios/app-stalls.mjs).
describe('large objects drained', () => {
  it.each(
    quickOrSoak(
      [{ count: 150, kb: 200 }],
      [
        { count: 150, kb: 200 },
        { count: 2_000, kb: 20 },
        { count: 20, kb: 2_000 },
      ],
    ),
  )(
    '$count events of ~$kb KB: no task of fusewire runs longer than its turn and one event; all delivered',
    async ({ count, kb }) => {
      const base = await drain('baseline', count, kb);
      const r = await drain('fusewire', count, kb);
      expect(r.stats).toMatchObject({ delivered: count, enqueued: count });
      // The 4 ms turn plus one event's serialisation (~1.5 ms per 200 KB warm, several times that
      // the first time) and a young-generation scavenge copying the caller's objects (process CPU:
      // the collector's helper threads count too). Measured at 200 KB: 12–30 ms on a loaded box;
      // with a budget per slice, 17–69 ms.
      expect(r.maxTaskCpuMs, `fusewire ${JSON.stringify(r)} baseline ${JSON.stringify(base)}`).toBeLessThan(
        30 + kb / 8,
      );
    },
    SOAK ? 300_000 : 120_000,
  );
});

interface Paced {
  published: number;
  maxStallMs: number;
  maxTaskCpuMs: number;
  maxStretchCpuMs: number;
  stats?: { delivered: number; enqueued: number };
}

// Item 6, the review's second case: an LLM server at 200 generations a second with ~20 KB chat
// histories stalled 106 ms (6 ms without fusewire). Every generation is delivered, and no task of
// the app runs long while fusewire keeps up and sends batches of them.
describe('a paced LLM server', () => {
  it('200 generations/s with ~20 KB histories: all delivered, no long task', async () => {
    const run = async (mode: 'fusewire' | 'baseline') => {
      const child = startChild('paced-llm.mjs', {
        ...keys(),
        FUSEWIRE_TEST_MODE: mode,
        FUSEWIRE_TEST_RATE: '200',
        FUSEWIRE_TEST_KB: '20',
        FUSEWIRE_TEST_MS: SOAK ? '30000' : '3000',
      });
      return JSON.parse(await child.line('RESULT', 120_000)) as Paced;
    };
    const base = await run('baseline');
    const r = await run('fusewire');
    expect(r.stats).toMatchObject({ delivered: r.published, enqueued: r.published });
    expect(server.received.counts.uniqueSpans).toBe(r.published);
    // A turn (4 ms) plus one generation and a scavenge; measured 4–8.5 ms on a loaded box. Before,
    // with a budget per slice and raw histories held until flushAt (2.5 s): 10–20 ms. The app's own
    // longest task (a late timer catching up builds several histories at once) comes on top.
    expect(r.maxTaskCpuMs, `fusewire ${JSON.stringify(r)} baseline ${JSON.stringify(base)}`).toBeLessThan(
      Math.max(15, base.maxTaskCpuMs + 10),
    );
  }, 120_000);
});

// Item 10: a second createFusewire() returned the first client: its mask was not applied and
// its shutdown() stopped the first. Any coherent rule passes (refuse clearly, a second
// pipeline, or join the first with the mask added) as long as no mask is skipped.
describe('two clients in one process', () => {
  it('a second client with a mask: refused clearly, or working, its mask is never skipped; the first stays up', async () => {
    const other = await startLangfuseServer({ publicKey: 'pk-lf-other', secretKey: 'sk-lf-other' });
    try {
      const child = startChild('two-clients.mjs', {
        A_URL: server.url,
        A_PK: server.publicKey,
        A_SK: server.secretKey,
        B_URL: other.url,
        B_PK: other.publicKey,
        B_SK: other.secretKey,
      });
      const r = JSON.parse(await child.line('RESULT', 30_000));
      const inputsAt = (s: LangfuseTestServer) =>
        s.received.traces().flatMap((t) => t.observations.map((o) => JSON.stringify(o.input)));
      if (r.threw) {
        expect(r.threw.code).toMatch(/^FUSEWIRE_/);
        expect(r.threw.hint.length).toBeGreaterThan(10);
      } else {
        // Whichever project the events went to (a second pipeline's, or the first one's when
        // the second call joins it), the mask given to the second call ran on every one of them.
        const all = [...inputsAt(server), ...inputsAt(other)];
        expect(all.length, 'nothing arrived anywhere').toBeGreaterThanOrEqual(40);
        expect(
          all.filter((i) => /PII-\d+/.test(i)),
          'raw PII at a server',
        ).toEqual([]);
      }
      // The first client is not stopped by anything the second did.
      await server.waitFor((rec) =>
        rec.traces().some((t) => t.observations.some((o) => o.name?.startsWith('after-b-shutdown'))),
      );
    } finally {
      await other.close();
    }
  });
});

interface Burst {
  chunk: number;
  chunks: number;
  published: number;
  /** The queue's first refusal (it fills once the burst outruns delivery), with stats() then. */
  firstRefusal?: { at: number; chunk: number; delivered: number; requests: number; queue: number };
  /** The burst's last chunk: when it was published, and stats() after it. */
  last: { at: number; chunk: number; delivered: number; requests: number; queue: number };
}

// README, Delivery: "batches leave while the burst goes on". A drain keeping up with a caller that
// publishes thousands of events per macrotask ran past its share of every turn, so the requests being
// encoded found the budget spent at their first check: nothing left until the caller paused, and the
// default queue filled (then refused) with the server idle. Core's turn-budget.test.ts has the unit.
describe('a long burst in chunks', () => {
  it('batches reach the server while the burst runs, before the queue first refuses', async () => {
    const child = startChild('burst-chunks.mjs', {
      ...keys(),
      FUSEWIRE_TEST_CHUNK: '1000', // 3,000 events per macrotask
      FUSEWIRE_TEST_BURST_MS: '3000',
    });
    const r = JSON.parse(await child.line('RESULT', 60_000)) as Burst;
    // Before the burst's last chunk, and before the queue first refused: once the queue is full, the
    // refused events leave the drain idle and batches flow anyway (before d63bca3, the first arrived
    // 40–60 ms after the first refusal and 2.5 s before the last chunk, so the last chunk alone is no bound).
    const until = Math.min(r.last.at, r.firstRefusal?.at ?? Number.POSITIVE_INFINITY);
    const arrivals = server.received.requests.map((q) => q.at);
    const early = arrivals.filter((at) => at < until);
    const summary = `${JSON.stringify(r)}; first arrivals, ms after that bound: ${arrivals
      .slice(0, 10)
      .map((at) => at - until)
      .join(', ')}`;
    console.log(summary);
    expect(r.chunks, summary).toBeGreaterThan(2);
    expect(early.length, summary).toBeGreaterThan(0);
  }, 90_000);
});
