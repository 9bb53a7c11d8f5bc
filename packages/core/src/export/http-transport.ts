import { Pool } from 'undici';
import { SUPPRESSED } from '../api/context.js';
import { globalState, OTEL_API_KEY, OTEL_SUPPRESS_KEY } from '../runtime/global-state.js';
import { follow } from './abort-link.js';
import { readCapped } from './response-body.js';

/** The outcome of one POST: a status (and at most `maxBodyBytes` of the body), or the error that stopped it. */
export type PostResult =
  | { ok: true; status: number; retryAfter: string | undefined; location: string | undefined; body: string }
  | { ok: false; error: unknown };

export interface PostRequest {
  path: string;
  body: Uint8Array | string;
  contentType: string;
  contentEncoding?: string;
  /** Extra headers of this endpoint (OTLP's `x-langfuse-ingestion-version`). */
  headers?: Readonly<Record<string, string>>;
  /** Read no more than this of the answer. */
  maxBodyBytes: number;
}

export interface HttpTransportOptions {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  timeoutMs: number;
  connections: number;
  userAgent: string;
}

/** Header other tracers can match to skip fusewire's own export requests. */
export const EXPORT_HEADER = 'x-fusewire-export';

interface OtelContextApi {
  context?: { active(): { setValue(key: symbol, value: unknown): unknown }; with<T>(ctx: unknown, fn: () => T): T };
}

/**
 * Runs `fn` so that nothing traces it: fusewire's own subscribers see the suppressed
 * store, and an OpenTelemetry SDK in the same process (if any) sees its standard
 * suppress-tracing flag, so its undici/http instrumentation skips our calls.
 */
function untraced<T>(fn: () => T): T {
  const run = () => globalState().storage.run(SUPPRESSED, fn);
  try {
    const api = (globalThis as Record<symbol, OtelContextApi | undefined>)[OTEL_API_KEY];
    const ctx = api?.context;
    if (ctx !== undefined && typeof ctx.with === 'function') {
      return ctx.with(ctx.active().setValue(OTEL_SUPPRESS_KEY, true), run);
    }
  } catch {
    // A foreign context manager misbehaving is no reason not to export.
  }
  return run();
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * HTTP to Langfuse over one keep-alive undici Pool, leaving the app's global dispatcher alone.
 * `timeoutMs` bounds a whole attempt, answer included. Redirects are not followed.
 */
export class HttpTransport {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.#timeoutMs = options.timeoutMs;
    const token = Buffer.from(`${options.publicKey}:${options.secretKey}`).toString('base64');
    this.#headers = {
      authorization: `Basic ${token}`,
      'user-agent': options.userAgent,
      'x-langfuse-sdk-name': 'fusewire',
      'x-langfuse-sdk-version': options.userAgent.split('/')[1] ?? '0',
      'x-langfuse-public-key': options.publicKey,
      [EXPORT_HEADER]: '1',
    };
  }

  async post(request: PostRequest, cancel?: AbortSignal): Promise<PostResult> {
    // A timer cleared on the answer, not AbortSignal.timeout: that one would live out its full time.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('request timed out', 'TimeoutError')),
      this.#timeoutMs,
    );
    timer.unref();
    const unlink = cancel === undefined ? undefined : follow(cancel, timeout);
    try {
      const signal = timeout.signal;
      const headers: Record<string, string> = {
        ...this.#headers,
        ...request.headers,
        'content-type': request.contentType,
      };
      if (request.contentEncoding !== undefined) headers['content-encoding'] = request.contentEncoding;
      const response = await untraced(() =>
        this.#pool.request({ path: this.#prefix + request.path, method: 'POST', headers, body: request.body, signal }),
      );
      // An OTLP/protobuf answer (its partialSuccess) is binary: read it byte for byte.
      const binary = first(response.headers['content-type'])?.includes('protobuf') === true;
      const body = await readCapped(response.body, request.maxBodyBytes, binary ? 'latin1' : 'utf8');
      return {
        ok: true,
        status: response.statusCode,
        retryAfter: first(response.headers['retry-after']),
        location: first(response.headers.location),
        body,
      };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
      unlink?.();
    }
  }

  async close(): Promise<void> {
    try {
      await this.#pool.destroy();
    } catch {
      // Already closed.
    }
  }
}
