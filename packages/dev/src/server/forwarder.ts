import type { IncomingHttpHeaders } from 'node:http';

/** Where `--forward` sends, from the LANGFUSE_* variables of the shell that started `fusewire dev`. */
export interface ForwardTarget {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
}

/** Counters of the forwarder; they balance: accepted = forwarded + failed + pending + dropped. */
export interface ForwardStats {
  target: string;
  accepted: number;
  forwarded: number;
  failed: number;
  pending: number;
  /** Refused because the queue was full (count or bytes). */
  dropped: number;
  lastError?: string;
}

interface Job {
  path: string;
  body: Buffer;
  headers: Record<string, string>;
  attempts: number;
}

const PASS_HEADERS = [
  'content-type',
  'content-encoding',
  'x-langfuse-ingestion-version',
  'x-langfuse-sdk-name',
  'x-langfuse-sdk-version',
];
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const MAX_ATTEMPTS = 5;

/**
 * Sends every accepted request on to a real Langfuse as it came (same path, body and encoding), with the
 * real keys instead of whatever the app sent. Bounded (count and bytes), two requests in flight, retries
 * 408/429/5xx and network errors with backoff (at least `Retry-After`). Keys never reach a log line.
 */
export class Forwarder {
  readonly #target: ForwardTarget;
  readonly #authorization: string;
  readonly #queue: Job[] = [];
  readonly #log: (message: string) => void;
  readonly #limits = { maxRequests: 1000, maxBytes: 64 * 1024 * 1024, concurrency: 2, timeoutMs: 15_000 };
  readonly #stats: ForwardStats;
  readonly #abort = new AbortController();
  #queuedBytes = 0;
  #inFlight = 0;
  #idle: Array<() => void> = [];
  #lastLogged = '';

  constructor(target: ForwardTarget, log: (message: string) => void) {
    this.#target = { ...target, baseUrl: target.baseUrl.replace(/\/+$/, '') };
    this.#authorization = `Basic ${Buffer.from(`${target.publicKey}:${target.secretKey}`).toString('base64')}`;
    this.#log = log;
    this.#stats = { target: this.#target.baseUrl, accepted: 0, forwarded: 0, failed: 0, pending: 0, dropped: 0 };
  }

  stats(): ForwardStats {
    return { ...this.#stats, pending: this.#queue.length + this.#inFlight };
  }

  /** Queue a copy of an accepted request. Never throws. */
  forward(path: string, headers: IncomingHttpHeaders, body: Buffer): void {
    this.#stats.accepted++;
    if (this.#queue.length >= this.#limits.maxRequests || this.#queuedBytes + body.length > this.#limits.maxBytes) {
      this.#stats.dropped++;
      this.#note('forward queue full: Langfuse is slower than your app; requests are dropped from forwarding');
      return;
    }
    const copied: Record<string, string> = { authorization: this.#authorization };
    for (const name of PASS_HEADERS) {
      const value = headers[name];
      if (typeof value === 'string') copied[name] = value;
    }
    this.#queue.push({ path, body, headers: copied, attempts: 0 });
    this.#queuedBytes += body.length;
    this.#pump();
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stop: what is still queued is counted as failed. */
  close(): void {
    this.#abort.abort();
    this.#stats.failed += this.#queue.length;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#settleIdle();
  }

  #pump(): void {
    while (this.#inFlight < this.#limits.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#queuedBytes -= job.body.length;
      this.#inFlight++;
      void this.#send(job).finally(() => {
        this.#inFlight--;
        this.#pump();
        this.#settleIdle();
      });
    }
  }

  async #send(job: Job): Promise<void> {
    for (;;) {
      job.attempts++;
      const outcome = await this.#attempt(job);
      if (outcome.ok) {
        this.#stats.forwarded++;
        return;
      }
      if (!outcome.retry || job.attempts >= MAX_ATTEMPTS || this.#abort.signal.aborted) {
        this.#stats.failed++;
        this.#stats.lastError = outcome.message;
        this.#note(`forwarding to ${this.#target.baseUrl} failed: ${outcome.message}`);
        return;
      }
      const backoff = Math.min(30_000, 250 * 2 ** job.attempts + Math.random() * 250);
      await sleep(Math.max(backoff, outcome.retryAfterMs ?? 0), this.#abort.signal);
    }
  }

  async #attempt(
    job: Job,
  ): Promise<{ ok: true } | { ok: false; retry: boolean; message: string; retryAfterMs?: number }> {
    try {
      const res = await fetch(this.#target.baseUrl + job.path, {
        method: 'POST',
        headers: job.headers,
        body: job.body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#limits.timeoutMs)]),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true };
      const hint =
        res.status === 401 || res.status === 403
          ? ' (check LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY / LANGFUSE_BASE_URL)'
          : '';
      const retryAfter = Number(res.headers.get('retry-after'));
      const failure = {
        ok: false as const,
        retry: RETRYABLE.has(res.status),
        message: `HTTP ${res.status}${hint} ${text.slice(0, 200)}`.trim(),
      };
      return Number.isFinite(retryAfter) && retryAfter > 0 ? { ...failure, retryAfterMs: retryAfter * 1000 } : failure;
    } catch (error) {
      return { ok: false, retry: true, message: `network error: ${(error as Error).message}` };
    }
  }

  #note(message: string): void {
    // Once per distinct problem, so an outage is one line, not one per request.
    if (message === this.#lastLogged) return;
    this.#lastLogged = message;
    this.#log(message);
  }

  #settleIdle(): void {
    if (this.#queue.length > 0 || this.#inFlight > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
