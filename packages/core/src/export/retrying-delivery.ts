import type { ExportRecord } from '../model/records.js';
import type { Delivery, DeliveryResult } from '../seams/delivery.js';
import type { EndpointPause } from './endpoint-pause.js';
import type { ExportReport } from './export-report.js';
import { follow } from './abort-link.js';
import { type AssembledRequest, assembleRequest, type Compression, recordsNamed } from './export-request.js';
import type { Exporter } from './exporter.js';
import { type ExportMessage, publishExport } from '../telemetry/self-telemetry.js';
import { backoffDelay } from './retry-policy.js';
import { refusalCode } from './ingestion/ingestion-answer.js';

export interface RetryOptions {
  /** Budget for retries without the server's guidance (attempt time and backoff; `Retry-After` waits are free). */
  maxRetryElapsedMs: number;
  /**
   * How long a first attempt waits for its answer. An attempt still waiting after this long is slow
   * (`onSlow` lets its concurrency slot go); after a timeout the next attempt waits 4 times longer.
   */
  timeoutMs: number;
  /** Largest request body, in encoded bytes (UTF-8, escaping included); a larger one is split before sending. */
  maxRequestBytes?: number;
  /** Request bodies gzipped (`maxRequestBytes` counts them before compression). Default none. */
  compression?: Compression;
  random?: () => number;
}

/** Growth of the attempt timeout after each timeout of the same batch. */
const TIMEOUT_GROWTH = 4;
/** However long the budget, one attempt is abandoned after this long. */
export const MAX_ATTEMPT_MS = 600_000;

type Retryable = Extract<DeliveryResult, { kind: 'retryable' }>;

/**
 * Core's retrying layer above any {@link Delivery} (like OpenTelemetry's retrying transport): sends
 * one batch until every record in it is settled. It waits max(jittered backoff, `Retry-After`),
 * pauses the whole endpoint on 429/503 with `Retry-After`, splits on 413 (re-assembling through
 * the exporter) and re-sends only the events a 207 asks to retry. An answer that only counts what it
 * refused (OTLP `partialSuccess`) is not retried: that many events are counted lost, unattributed.
 */
export class RetryingDelivery {
  readonly #delivery: Delivery;
  readonly #exporter: Exporter;
  readonly #pause: EndpointPause;
  readonly #report: ExportReport;
  readonly #options: RetryOptions;
  readonly #wakers = new Set<() => void>();

  constructor(
    delivery: Delivery,
    exporter: Exporter,
    pause: EndpointPause,
    report: ExportReport,
    options: RetryOptions,
  ) {
    this.#delivery = delivery;
    this.#exporter = exporter;
    this.#pause = pause;
    this.#report = report;
    this.#options = options;
  }

  /** Never throws. Returns early (records unsettled) only when `signal` aborts. */
  async deliver(records: ExportRecord[], signal: AbortSignal, onSlow: () => void): Promise<void> {
    let assembled = await this.#assemble(records);
    if (assembled !== undefined && this.#oversized(assembled)) {
      await this.#final(assembled, { kind: 'too_large' }, signal, onSlow, assembled.bytes);
      return;
    }
    const started = Date.now();
    let unguidedMs = 0; // time charged to the budget
    let attempt = 0;
    let mayHaveArrived = false;
    let attemptTimeoutMs = this.#options.timeoutMs;
    while (assembled !== undefined && !signal.aborted) {
      // A pause may grow while we wait (another batch got a longer Retry-After).
      while (this.#pause.remaining() > 0 && !signal.aborted) await this.#sleep(this.#pause.remaining(), signal);
      if (signal.aborted) return;
      const { request } = assembled;
      this.#report.requestSent(bodyBytes(request.body));
      const sentAt = Date.now();
      const result = await this.#attempt(assembled, signal, attemptTimeoutMs, onSlow);
      unguidedMs += Date.now() - sentAt;
      publishExport(() => exportMessage(request, result, Date.now() - sentAt, attempt + 1));
      if (signal.aborted) return;
      let failure: Retryable;
      if (result.kind === 'partial') {
        this.#report.exportSucceeded();
        this.#settleIds(assembled, result.delivered, 'delivered');
        for (const r of result.rejected) this.#settleIds(assembled, [r.id], 'non_retryable', r);
        const refused = result.rejected[0];
        if (refused !== undefined) {
          const more = result.rejected.length > 1 ? ` (and ${result.rejected.length - 1} more events)` : '';
          this.#report.exportFailed(refusalCode(refused), `${refused.message}${more}`, false);
        }
        // An event the answer does not name was part of a request the server took.
        const named = new Set([...result.delivered, ...result.retry, ...result.rejected.map((r) => r.id)]);
        this.#settleIds(
          assembled,
          request.eventIds.filter((id) => !named.has(id)),
          'delivered',
        );
        const again = recordsNamed(assembled, result.retry);
        if (again.length === 0) return;
        assembled = await this.#assemble(again);
        failure = { kind: 'retryable', code: 'PARTIAL', message: `${again.length} events got a 5xx in a 207 answer` };
      } else if (result.kind === 'retryable') {
        failure = result;
        if (result.mayHaveArrived === true) mayHaveArrived = true;
        // A slow server is waited for longer each time instead of being sent the same batch at the same
        // pace: fewer copies of it, and one that answers late is counted delivered.
        if (result.code === 'TIMEOUT') attemptTimeoutMs = Math.min(MAX_ATTEMPT_MS, attemptTimeoutMs * TIMEOUT_GROWTH);
      } else {
        await this.#final(assembled, result, signal, onSlow);
        return;
      }
      attempt++;
      const backoff = backoffDelay(attempt, this.#options.random);
      const asked = failure.retryAfterMs;
      let message = failure.message;
      if (asked !== undefined && (failure.status === 429 || failure.status === 503)) {
        this.#pause.pause(asked);
        message += `; every request to this endpoint waits ${Math.ceil(this.#pause.remaining() / 1000)} s as Retry-After asks (events stay queued; the wait spends no retry budget)`;
      } else if (failure.status === 429) this.#pause.pause(backoff); // rate limited without a hint: all wait
      // The server's "come back later" is not charged: only our own guesses spend the budget.
      const charged = asked !== undefined ? 0 : backoff;
      if (unguidedMs + charged > this.#options.maxRetryElapsedMs && assembled !== undefined) {
        this.#giveUp(assembled.records, failure, attempt, Date.now() - started, mayHaveArrived);
        return;
      }
      unguidedMs += charged;
      this.#report.exportFailed(failure.code, message, true);
      this.#report.retrying();
      await this.#sleep(Math.max(backoff, asked ?? 0), signal);
    }
  }

  /** Outcomes that end the batch: delivered, handed off, rejected, too large. */
  /** The real encoded body is over the request limit: it is split (or refused alone) before sending. */
  #oversized(assembled: AssembledRequest): boolean {
    const limit = this.#options.maxRequestBytes;
    return limit !== undefined && assembled.bytes > limit;
  }

  async #final(
    assembled: AssembledRequest,
    result: DeliveryResult,
    signal: AbortSignal,
    onSlow: () => void,
    measured?: number,
  ) {
    const { records } = assembled;
    switch (result.kind) {
      case 'delivered':
      case 'handed_off':
        this.#report.exportSucceeded();
        this.#report.settle(records, 'delivered');
        return;
      case 'rejected':
        this.#report.exportFailed(
          result.code,
          `${result.message} (${records.length} event${records.length === 1 ? '' : 's'} dropped as non_retryable, kept in deadLetters())`,
          false,
        );
        this.#report.settle(records, 'non_retryable', {
          message: result.message,
          ...(result.status !== undefined ? { status: result.status } : {}),
        });
        return;
      case 'partially_rejected': {
        // Not reported as a success: that would forget the log key, and every such answer would log again.
        const { delivered, rejected } = splitByCount(records, result.rejected);
        const of = `${rejected.length} of these ${records.length} events`;
        const message = `${result.message}; counted as ${of} dropped (rejected_unattributed, kept in deadLetters() as stand-ins: the answer names no span, so an entry may be one the receiver stored), the rest delivered, nothing retried. Hint: Langfuse itself never answers partialSuccess — look at the receiver's logs (a collector or proxy in front) for why it refused spans`;
        this.#report.exportFailed(result.code, message, false);
        this.#report.settle(delivered, 'delivered');
        this.#report.settle(rejected, 'rejected_unattributed', {
          message,
          ...(result.status !== undefined ? { status: result.status } : {}),
        });
        return;
      }
      case 'too_large': {
        if (records.length === 1) {
          const message =
            measured === undefined
              ? 'Langfuse answered 413 for a single event'
              : `the event is ${measured} bytes encoded, over the ${this.#options.maxRequestBytes} bytes one request may carry (maxBatchBytes, and Langfuse Cloud's 5 MB)`;
          this.#report.settle(records, 'too_large', { message });
          return;
        }
        const half = Math.ceil(records.length / 2);
        await this.deliver(records.slice(0, half), signal, onSlow);
        await this.deliver(records.slice(half), signal, onSlow);
      }
    }
  }

  #giveUp(records: ExportRecord[], failure: Retryable, attempts: number, elapsed: number, maybe: boolean): void {
    const unconfirmed = maybe ? '; an attempt may have reached Langfuse, so some may be stored (unconfirmed)' : '';
    const events = `${records.length} event${records.length === 1 ? '' : 's'}`;
    // The log line says how many were lost and why, and where to look (onboarding: message wording).
    this.#report.exportFailed(
      failure.code,
      `gave up on ${events} after ${attempts} attempts over ${Math.round(elapsed / 100) / 10} s (dropped as retry_exhausted, kept in deadLetters()): ${failure.message}${unconfirmed}`,
      false,
    );
    this.#report.settle(records, 'retry_exhausted', {
      message: `gave up after ${attempts} attempts over ${elapsed} ms: ${failure.message}${unconfirmed}`,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
    });
  }

  /** One send within `timeoutMs`; reports a slow answer, and never lets the delivery's throw escape. */
  async #attempt(
    assembled: AssembledRequest,
    signal: AbortSignal,
    timeoutMs: number,
    onSlow: () => void,
  ): Promise<DeliveryResult> {
    const slow = setTimeout(onSlow, this.#options.timeoutMs);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('attempt timed out', 'TimeoutError')), timeoutMs);
    slow.unref();
    timer.unref();
    const unlink = follow(signal, timeout);
    try {
      return await this.#delivery.send(assembled.request, timeout.signal);
    } catch (error) {
      return {
        kind: 'retryable',
        code: 'DELIVERY_THREW',
        message: `delivery ${this.#delivery.name} threw: ${String(error)}`,
      };
    } finally {
      unlink();
      clearTimeout(slow);
      clearTimeout(timer);
    }
  }

  #assemble(records: ExportRecord[]): Promise<AssembledRequest | undefined> {
    return assembleRequest(
      this.#exporter,
      records,
      (record, message) => this.#report.settle([record], 'invalid', { message }),
      this.#options.compression,
    );
  }

  #settleIds(
    assembled: AssembledRequest,
    ids: readonly string[],
    outcome: 'delivered' | 'non_retryable',
    detail?: { message: string; status: number },
  ): void {
    const records = recordsNamed(assembled, ids);
    if (records.length > 0)
      this.#report.settle(records, outcome, detail && { message: detail.message, status: detail.status });
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // An awaited flush keeps the process alive with its own deadline; a wait here never should.
      timer.unref();
      this.#wakers.add(done);
    });
  }

  /** Ends every wait now (shutdown: callers see their aborted signal). */
  wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}

/**
 * Which records stand for the `count` an answer refused without naming them: the last observations
 * (trace records ride on a span and are counted with it). Any choice is a guess; the counts are not.
 */
function splitByCount(records: ExportRecord[], count: number): { delivered: ExportRecord[]; rejected: ExportRecord[] } {
  const rejected = new Set<ExportRecord>();
  for (let i = records.length - 1; i >= 0 && rejected.size < count; i--) {
    const record = records[i] as ExportRecord;
    if (record.kind !== 'trace') rejected.add(record);
  }
  return { delivered: records.filter((r) => !rejected.has(r)), rejected: [...rejected].reverse() };
}

/** Bytes on the wire: UTF-8 of a string body (escaping is already in the text). */
function bodyBytes(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

function exportMessage(
  request: AssembledRequest['request'],
  result: DeliveryResult,
  durationMs: number,
  attempt: number,
): ExportMessage {
  const message: ExportMessage = {
    endpoint: request.endpoint,
    outcome: result.kind,
    events: request.eventIds.length,
    bytes: bodyBytes(request.body),
    durationMs,
    attempt,
  };
  if ('status' in result && result.status !== undefined) message.status = result.status;
  if ('code' in result) message.code = result.code;
  return message;
}
