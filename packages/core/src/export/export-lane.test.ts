import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exporter, fakeReport, HeldDelivery, records } from './delivery-doubles.js';
import { EndpointPause } from './endpoint-pause.js';
import { ExportLane } from './export-lane.js';
import { RetryingDelivery } from './retrying-delivery.js';

let delivery: HeldDelivery;
let rep: ReturnType<typeof fakeReport>;

function lane(options: { concurrency?: number; maxSlow?: number; timeoutMs?: number } = {}) {
  let created: ExportLane | undefined;
  const pause = new EndpointPause(() => created?.resume());
  const sender = new RetryingDelivery(delivery, exporter, pause, rep.report, {
    maxRetryElapsedMs: 60_000,
    timeoutMs: options.timeoutMs ?? 1_000,
    random: () => 0,
  });
  created = new ExportLane(exporter, sender, pause, rep.report, {
    flushAt: 2,
    maxBatchBytes: 1_000_000,
    concurrency: options.concurrency ?? 1,
    maxSlow: options.maxSlow ?? 0,
  });
  return { lane: created, pause };
}

const tick = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  delivery = new HeldDelivery();
  rep = fakeReport();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ExportLane', () => {
  it('sends full batches only, at most `concurrency` at once; in-flight records stay unsettled until answered', async () => {
    const { lane: l } = lane();
    for (const r of records(5)) l.add(r);
    l.pump();
    await tick();
    expect(delivery.sent.map((s) => s.request.eventIds)).toEqual([['e0', 'e1']]);
    expect(rep.settledCount()).toBe(0);
    delivery.answer({ kind: 'delivered' });
    await tick();
    expect(delivery.sent.map((s) => s.request.eventIds)).toEqual([['e2', 'e3']]);
    expect(rep.settledCount()).toBe(2);
    delivery.answer({ kind: 'delivered' });
    await tick();
    expect(delivery.sent).toHaveLength(0); // e4 waits for a partial pump (flush or interval)
    l.pump({ partial: true });
    await tick();
    delivery.answer({ kind: 'delivered' });
    await tick();
    expect(rep.settledCount()).toBe(5);
  });

  it('while the endpoint is paused sends nothing new; the pause end starts what waited', async () => {
    const { lane: l } = lane({ concurrency: 4 });
    const batch = records(6);
    l.add(batch[0]!);
    l.add(batch[1]!);
    l.pump();
    await tick();
    delivery.answer({ kind: 'retryable', code: 'HTTP_429', status: 429, message: 'limited', retryAfterMs: 30_000 });
    await tick();
    for (const r of batch.slice(2)) l.add(r);
    l.pump({ partial: true });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(delivery.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    // The retried batch and the two that queued during the pause leave together.
    expect(delivery.sent.map((s) => s.request.eventIds).sort()).toEqual([
      ['e0', 'e1'],
      ['e2', 'e3'],
      ['e4', 'e5'],
    ]);
  });

  it('a slow batch gives up its slot (up to maxSlow), stays pending, and is never re-sent', async () => {
    const { lane: l } = lane({ concurrency: 1, maxSlow: 1, timeoutMs: 1_000 });
    for (const r of records(6)) l.add(r);
    l.pump();
    await tick();
    expect(delivery.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(delivery.sent).toHaveLength(2); // the first is slow: the next batch took the slot
    await vi.advanceTimersByTimeAsync(1_000);
    expect(delivery.sent).toHaveLength(2); // maxSlow reached: the second keeps its slot
    expect(rep.settledCount()).toBe(0); // slow is pending, not lost
    delivery.answer({ kind: 'delivered' }); // the slow one answers at last: delivered, sent once
    await tick();
    expect(delivery.sent.map((s) => s.request.eventIds)).toEqual([['e2', 'e3']]);
    delivery.answer({ kind: 'delivered' });
    await tick();
    expect(delivery.sent.map((s) => s.request.eventIds)).toEqual([['e4', 'e5']]);
    delivery.answer({ kind: 'delivered' });
    await tick();
    expect(rep.settledCount()).toBe(6);
    expect([...rep.outcomes.values()].every((o) => o.outcome === 'delivered')).toBe(true);
    expect(rep.log.filter((l) => l === 'request')).toHaveLength(3);
  });

  it('abandon hands back queued and in-flight records and stops sending', async () => {
    const { lane: l } = lane();
    for (const r of records(3)) l.add(r);
    l.pump();
    await tick();
    const left = l.abandon();
    expect(left.map((r) => r.envelopeId).sort()).toEqual(['e0', 'e1', 'e2']);
    l.pump({ partial: true });
    await tick();
    expect(delivery.sent).toHaveLength(1);
  });
});
