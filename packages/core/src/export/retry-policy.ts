import type { DeliveryResult } from '../seams/delivery.js';

/**
 * How one HTTP answer or transport error reads as a {@link DeliveryResult}. Classification only:
 * the retrying delivery decides how long to wait (the OpenTelemetry split of responsibilities).
 */

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

// Errors raised before the request left: the server cannot have seen it.
const NOT_SENT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

// Errors after the connection was up: the request may have reached the server.
const SENT_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

const STATUS_HINTS: Record<number, string> = {
  400: 'Langfuse rejected the request as malformed; the events are in deadLetters().',
  401: 'Check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY (and that they belong to this baseUrl).',
  403: 'The key is not allowed to ingest (organisation key, or ingestion suspended for the project).',
  404: 'Check baseUrl: it should be the Langfuse host, e.g. https://cloud.langfuse.com, without a path.',
};

/** A non-2xx status (redirects aside) as a result; 2xx bodies are read per endpoint. */
export function classifyStatus(status: number, retryAfter: string | undefined, now = Date.now()): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 413) return { kind: 'too_large' };
  if (RETRYABLE_STATUS.has(status)) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return {
      kind: 'retryable',
      code: `HTTP_${status}`,
      status,
      message: `Langfuse answered ${status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return {
    kind: 'rejected',
    code: `HTTP_${status}`,
    status,
    message: `Langfuse answered ${status}. ${STATUS_HINTS[status] ?? 'This status is not retried.'}`,
  };
}

/**
 * A redirect is never followed: it would carry the keys to wherever it points. It is final for the
 * events, with the target in the message so the fix (baseUrl) is obvious. The query is left out, as it
 * may hold tokens.
 */
export function classifyRedirect(status: number, location: string | undefined): DeliveryResult {
  let target = 'no Location header';
  if (location !== undefined) {
    try {
      const url = new URL(location, 'http://relative.invalid');
      target = url.host === 'relative.invalid' ? url.pathname : `${url.origin}${url.pathname}`;
    } catch {
      target = 'an unreadable Location';
    }
  }
  return {
    kind: 'rejected',
    code: `HTTP_${status}`,
    status,
    message: `Langfuse answered ${status} redirecting to ${target}; fusewire does not follow redirects (they would carry your keys elsewhere). Set baseUrl to the address Langfuse answers on directly.`,
  };
}

/** A transport error (no answer) as a result: always retryable; says whether the server may have it. */
export function classifyError(error: unknown): DeliveryResult {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  const code = String(e?.code ?? e?.cause?.code ?? e?.name ?? 'UNKNOWN');
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (e?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return {
      kind: 'retryable',
      code: 'TIMEOUT',
      message: `no answer in time (the request was sent; Langfuse may have stored it): ${message}`,
      mayHaveArrived: true,
    };
  }
  if (e?.name === 'AbortError' || code === 'ABORT_ERR') {
    return { kind: 'retryable', code: 'ABORTED', message: `request aborted: ${message}`, mayHaveArrived: true };
  }
  if (NOT_SENT_ERRORS.has(code)) {
    // Nothing reached Langfuse: most often a wrong LANGFUSE_BASE_URL, or Langfuse (or the network) is down.
    const hint = 'check LANGFUSE_BASE_URL (or the baseUrl option) and that Langfuse is reachable from here';
    return { kind: 'retryable', code, message: `could not reach Langfuse (${code}: ${message}); ${hint}` };
  }
  // Unknown errors may have happened after sending too; the elapsed-time budget bounds their retries.
  const prefix = SENT_ERRORS.has(code) ? `network error ${code}` : 'request failed';
  return { kind: 'retryable', code, message: `${prefix}: ${message}`, mayHaveArrived: true };
}

/** `Retry-After` as delay-seconds or an HTTP-date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Exponential backoff with "equal jitter": half fixed, half random, so retries from many
 * processes spread out but never collapse to zero. `attempt` counts from 1.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
