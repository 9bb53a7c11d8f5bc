import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../seams/delivery.js';
import { EndpointPause } from './endpoint-pause.js';
import { exporter, fakeReport, HeldDelivery, records } from './delivery-doubles.js';
import { RetryingDelivery } from './retrying-delivery.js';

let delivery: HeldDelivery;
let pause: EndpointPause;
let resumed: number;
let rep: ReturnType<typeof fakeReport>;
let slow: number;
const onSlow = () => slow++;

function retrying(options: { maxRetryElapsedMs?: number; timeoutMs?: number } = {}) {
  return new RetryingDelivery(delivery, exporter, pause, rep.report, {
    maxRetryElapsedMs: options.maxRetryElapsedMs ?? 10_000,
    timeoutMs: options.timeoutMs ?? 5_000,
    random: () => 0, // backoff: 250, 500, 1000, … ms
  });
}

/** Lets pending promise callbacks run (no time passes). */
const settleMicrotasks = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  delivery = new HeldDelivery();
  resumed = 0;
  pause = new EndpointPause(() => resumed++);
  rep = fakeReport();
  slow = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RetryingDelivery', () => {
  it('sends one request with deterministic, event-derived ids and settles it delivered', async () => {
    const batch = records(3);
    const done = retrying().deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    const request = delivery.answer({ kind: 'delivered' });
    await done;
    expect(request).toMatchObject({
      endpoint: 'ingestion',
      eventIds: ['e0', 'e1', 'e2'],
      body: Buffer.from('e0,e1,e2'),
    });
    expect(request.id).toMatch(/^[0-9a-f]{32}$/);
    expect(batch.map((r) => rep.of(r)?.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(rep.log).toEqual(['request', 'ok']);
  });

  it('retries a retryable answer after the jittered backoff, not before', async () => {
    const batch = records(1);
    const done = retrying().deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    const first = delivery.answer({ kind: 'retryable', code: 'HTTP_500', status: 500, message: 'boom' });
    await vi.advanceTimersByTimeAsync(249);
    expect(delivery.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivery.answer({ kind: 'delivered' }).id).toBe(first.id); // the same request, as-is
    await done;
    expect(rep.of(batch[0]!)?.outcome).toBe('delivered');
    expect(rep.log).toEqual(['request', 'retrying:HTTP_500', 'retry', 'request', 'ok']);
  });

  it('a 429 with Retry-After pauses the whole endpoint that long, and the wait spends no budget', async () => {
    const batch = records(2);
    // A budget far below the server's minute: the pause must still not turn into loss.
    const done = retrying({ maxRetryElapsedMs: 1_000 }).deliver(batch, new AbortController().signal, onSlow);
    for (let i = 0; i < 5; i++) {
      await settleMicrotasks();
      delivery.answer({ kind: 'retryable', code: 'HTTP_429', status: 429, message: 'slow down', retryAfterMs: 60_000 });
      await settleMicrotasks();
      expect(pause.remaining()).toBe(60_000);
      await vi.advanceTimersByTimeAsync(59_999);
      expect(delivery.sent).toHaveLength(0); // nothing is sent into the window
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(resumed).toBe(5); // each pause's end lets the lane start what waited
    delivery.answer({ kind: 'delivered' });
    await done;
    expect(batch.map((r) => rep.of(r)?.outcome)).toEqual(['delivered', 'delivered']);
  });

  it('a 503 with Retry-After pauses too; a 500 with Retry-After waits for it without pausing the endpoint', async () => {
    const done = retrying().deliver(records(1), new AbortController().signal, onSlow);
    await settleMicrotasks();
    delivery.answer({ kind: 'retryable', code: 'HTTP_503', status: 503, message: 'down', retryAfterMs: 2_000 });
    await settleMicrotasks();
    expect(pause.remaining()).toBe(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    delivery.answer({ kind: 'retryable', code: 'HTTP_500', status: 500, message: 'err', retryAfterMs: 3_000 });
    await settleMicrotasks();
    expect(pause.remaining()).toBe(0);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(delivery.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    delivery.answer({ kind: 'delivered' });
    await done;
  });

  it('a 429 without Retry-After pauses the endpoint for the backoff', async () => {
    const done = retrying().deliver(records(1), new AbortController().signal, onSlow);
    await settleMicrotasks();
    delivery.answer({ kind: 'retryable', code: 'HTTP_429', status: 429, message: 'limited' });
    await settleMicrotasks();
    expect(pause.remaining()).toBe(250);
    await vi.advanceTimersByTimeAsync(250);
    delivery.answer({ kind: 'delivered' });
    await done;
  });

  it('gives up when unguided retries spend the budget, and says an attempt may have arrived', async () => {
    const batch = records(2);
    const done = retrying({ maxRetryElapsedMs: 1_000 }).deliver(batch, new AbortController().signal, onSlow);
    // 250 + 500 of backoff fit the budget; the next 1000 would not.
    for (const wait of [250, 500]) {
      await settleMicrotasks();
      delivery.answer({ kind: 'retryable', code: 'TIMEOUT', message: 'no answer', mayHaveArrived: true });
      await vi.advanceTimersByTimeAsync(wait);
    }
    await settleMicrotasks();
    delivery.answer({ kind: 'retryable', code: 'ECONNREFUSED', message: 'refused' });
    await done;
    const outcome = rep.of(batch[0]!);
    expect(outcome?.outcome).toBe('retry_exhausted');
    expect(outcome?.message).toMatch(/gave up after 3 attempts .*refused.*may have reached Langfuse.*unconfirmed/);
    expect(rep.log.at(-1)).toBe('failed:ECONNREFUSED');
  });

  it('never says "unconfirmed" when no attempt can have arrived', async () => {
    const batch = records(1);
    const done = retrying({ maxRetryElapsedMs: 0 }).deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    delivery.answer({ kind: 'retryable', code: 'ECONNREFUSED', message: 'refused' });
    await done;
    expect(rep.of(batch[0]!)?.message).not.toContain('unconfirmed');
  });

  it('splits on 413 into halves, each re-assembled, down to one event', async () => {
    const batch = records(3);
    const done = retrying().deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    expect(delivery.answer({ kind: 'too_large' }).eventIds).toEqual(['e0', 'e1', 'e2']);
    await settleMicrotasks();
    expect(delivery.answer({ kind: 'too_large' }).eventIds).toEqual(['e0', 'e1']);
    await settleMicrotasks();
    expect(delivery.answer({ kind: 'delivered' }).eventIds).toEqual(['e0']);
    await settleMicrotasks();
    expect(delivery.answer({ kind: 'too_large' }).eventIds).toEqual(['e1']);
    await settleMicrotasks();
    expect(delivery.answer({ kind: 'delivered' }).eventIds).toEqual(['e2']);
    await done;
    expect(batch.map((r) => rep.of(r)?.outcome)).toEqual(['delivered', 'too_large', 'delivered']);
  });

  it('after a partial answer re-sends only the events to retry; unnamed events count as delivered', async () => {
    const batch = records(4);
    const done = retrying().deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    delivery.answer({
      kind: 'partial',
      delivered: ['e0'],
      rejected: [{ id: 'e1', status: 400, message: 'bad field' }],
      retry: ['e2'],
    });
    await settleMicrotasks();
    expect(rep.of(batch[1]!)).toEqual({ outcome: 'non_retryable', message: 'bad field', status: 400 });
    expect(rep.of(batch[3]!)?.outcome).toBe('delivered');
    await vi.advanceTimersByTimeAsync(250);
    const again = delivery.answer({ kind: 'delivered' });
    await done;
    expect(again.eventIds).toEqual(['e2']);
    expect(batch.map((r) => rep.of(r)?.outcome)).toEqual(['delivered', 'non_retryable', 'delivered', 'delivered']);
  });

  it('a rejected answer is final: non_retryable with the status', async () => {
    const batch = records(1);
    const done = retrying().deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    delivery.answer({ kind: 'rejected', code: 'HTTP_301', status: 301, message: 'redirecting to https://x/' });
    await done;
    expect(rep.of(batch[0]!)).toEqual({ outcome: 'non_retryable', message: 'redirecting to https://x/', status: 301 });
  });

  it('handed_off settles the events: the remote delivery answers for them now', async () => {
    const batch = records(1);
    const done = retrying().deliver(batch, new AbortController().signal, onSlow);
    await settleMicrotasks();
    delivery.answer({ kind: 'handed_off', to: 'bullmq' });
    await done;
    expect(rep.of(batch[0]!)?.outcome).toBe('delivered');
  });

  it('reports a slow attempt once, after timeoutMs, and keeps waiting for its answer', async () => {
    const batch = records(1);
    const done = retrying({ timeoutMs: 1_000 }).deliver(batch, new AbortController().signal, onSlow);
    await vi.advanceTimersByTimeAsync(999);
    expect(slow).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(slow).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(slow).toBe(1);
    delivery.answer({ kind: 'delivered' });
    await done;
    expect(rep.of(batch[0]!)?.outcome).toBe('delivered'); // a slow answer is a delivery, not a loss
  });

  it('after a timeout waits 4 times longer for the next attempt (a slow server is not re-sent at its own pace)', async () => {
    const batch = records(1);
    const done = retrying({ timeoutMs: 1_000, maxRetryElapsedMs: 60_000 }).deliver(
      batch,
      new AbortController().signal,
      onSlow,
    );
    await settleMicrotasks();
    const firstSignal = delivery.signals[0]!;
    await vi.advanceTimersByTimeAsync(999);
    expect(firstSignal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(firstSignal.reason).toMatchObject({ name: 'TimeoutError' });
    delivery.answer({ kind: 'retryable', code: 'TIMEOUT', message: 'no answer', mayHaveArrived: true });
    await vi.advanceTimersByTimeAsync(250);
    const second = delivery.signals[1]!;
    await vi.advanceTimersByTimeAsync(3_999);
    expect(second.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(second.aborted).toBe(true);
    delivery.answer({ kind: 'delivered' }); // the late answer still counts
    await done;
    expect(rep.of(batch[0]!)?.outcome).toBe('delivered');
  });

  it('stops at once on abort, leaving the records unsettled for the shutdown count', async () => {
    const batch = records(1);
    const abort = new AbortController();
    const sender = retrying();
    const done = sender.deliver(batch, abort.signal, onSlow);
    await settleMicrotasks();
    delivery.answer({ kind: 'retryable', code: 'HTTP_503', status: 503, message: 'down', retryAfterMs: 600_000 });
    await settleMicrotasks();
    abort.abort();
    sender.wakeAll();
    await done;
    expect(rep.of(batch[0]!)).toBeUndefined();
  });

  it('turns a delivery that throws into a retry, never a crash', async () => {
    const throwing: Delivery = {
      name: 'broken',
      needsCredentials: true,
      send: () => {
        throw new Error('bug');
      },
      close: async () => {},
    };
    const batch = records(1);
    const sender = new RetryingDelivery(throwing, exporter, pause, rep.report, {
      maxRetryElapsedMs: 0,
      timeoutMs: 1_000,
    });
    await sender.deliver(batch, new AbortController().signal, onSlow);
    expect(rep.of(batch[0]!)).toMatchObject({ outcome: 'retry_exhausted', message: expect.stringContaining('bug') });
  });
});
