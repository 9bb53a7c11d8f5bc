/**
 * What to do about one export attempt's outcome. The exporter only classifies; the
 * export lane decides how long to wait (the OpenTelemetry split of responsibilities).
 */
export type Classification =
  | { kind: 'success' }
  | { kind: 'retryable'; code: string; message: string; retryAfterMs?: number }
  | { kind: 'too_large'; message: string }
  | { kind: 'failure'; code: string; message: string; status?: number };

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

const RETRYABLE_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
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

export function classifyStatus(status: number, retryAfter: string | undefined, now = Date.now()): Classification {
  if (status >= 200 && status < 300) return { kind: 'success' };
  if (status === 413) return { kind: 'too_large', message: 'request body too large (413)' };
  if (RETRYABLE_STATUS.has(status)) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return {
      kind: 'retryable',
      code: `HTTP_${status}`,
      message: `Langfuse answered ${status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return {
    kind: 'failure',
    code: `HTTP_${status}`,
    status,
    message: `Langfuse answered ${status}. ${STATUS_HINTS[status] ?? 'This status is not retried.'}`,
  };
}

export function classifyError(error: unknown): Classification {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  const code = String(e?.code ?? e?.cause?.code ?? e?.name ?? 'UNKNOWN');
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || code === 'ABORT_ERR') {
    return { kind: 'retryable', code: 'TIMEOUT', message: `request timed out or was aborted: ${message}` };
  }
  if (RETRYABLE_ERRORS.has(code)) return { kind: 'retryable', code, message: `network error ${code}: ${message}` };
  // Unknown transport errors are most likely transient too; the elapsed-time budget bounds them.
  return { kind: 'retryable', code, message: `request failed: ${message}` };
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

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with "equal jitter": half fixed, half random, so retries from many
 * processes spread out but never collapse to zero. `attempt` counts from 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** The wait before the next attempt: the backoff, or longer if the server asked for it. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, options?: BackoffOptions): number {
  const backoff = backoffDelay(attempt, options);
  return retryAfterMs !== undefined ? Math.max(backoff, retryAfterMs) : backoff;
}
