import { FusewireConfigError } from '../runtime/errors.js';
import { SDK_VERSION } from '../runtime/version.js';
import type { Delivery, DeliveryResult, ExportRequest } from '../seams/delivery.js';
import { classifyResponse } from './classify-response.js';
import { HttpTransport } from './http-transport.js';
import { answerCap } from './response-body.js';
import { OTLP_HEADERS } from './otlp/otlp-exporter.js';

/** Options of {@link createHttpDelivery}. */
export interface HttpDeliveryOptions {
  /** The Langfuse host, e.g. `https://cloud.langfuse.com` (a path prefix is kept). */
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  /** Longest wait for one attempt, answer included (default 10000). */
  timeoutMs?: number;
  /** Keep-alive connections to Langfuse (default 10). */
  connections?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECTIONS = 10;

/**
 * Direct HTTP delivery to Langfuse: what `createFusewire()` uses by default. One keep-alive undici
 * pool (the app's global dispatcher is left alone), Basic auth, fusewire's own calls hidden from
 * tracers. It reads at most a few KB of any answer, never follows a redirect, and classifies answers
 * per endpoint (a 207 per event). A queue worker that sends on the app's behalf uses it to get the
 * same client and the same reading of every answer.
 *
 * @example
 * ```ts
 * import { createHttpDelivery } from '@fusewire/core';
 *
 * const http = createHttpDelivery({
 *   baseUrl: 'https://cloud.langfuse.com',
 *   publicKey: process.env.LANGFUSE_PUBLIC_KEY!,
 *   secretKey: process.env.LANGFUSE_SECRET_KEY!,
 * });
 * const result = await http.send(request, AbortSignal.timeout(30_000)); // { kind: 'delivered' } …
 * await http.close();
 * ```
 */
export function createHttpDelivery(options: HttpDeliveryOptions): Delivery {
  return new HttpDelivery(options);
}

class HttpDelivery implements Delivery {
  readonly name = 'http';
  readonly needsCredentials = true;
  readonly #transport: HttpTransport;

  constructor(options: HttpDeliveryOptions) {
    const { baseUrl, publicKey, secretKey } = options ?? ({} as HttpDeliveryOptions);
    if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl) || !URL.canParse(baseUrl)) {
      throw new FusewireConfigError(
        'baseUrl',
        'not an http(s) URL',
        'Pass the Langfuse host, e.g. https://cloud.langfuse.com.',
      );
    }
    for (const [name, value] of [
      ['publicKey', publicKey],
      ['secretKey', secretKey],
    ] as const) {
      if (typeof value !== 'string' || value === '') {
        throw new FusewireConfigError(name, 'missing', 'Pass the project key pair (pk-lf-… and sk-lf-…).');
      }
    }
    this.#transport = new HttpTransport({
      baseUrl,
      publicKey,
      secretKey,
      timeoutMs: positive(options.timeoutMs, DEFAULT_TIMEOUT_MS),
      connections: positive(options.connections, DEFAULT_CONNECTIONS),
      userAgent: `fusewire/${SDK_VERSION}`,
    });
  }

  async send(request: ExportRequest, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      const post = {
        path: request.path,
        body: request.body,
        contentType: request.contentType,
        maxBodyBytes: answerCap(request.eventIds.length),
        ...(request.endpoint === 'otlp' && { headers: OTLP_HEADERS }),
        ...(request.contentEncoding !== undefined ? { contentEncoding: request.contentEncoding } : {}),
      };
      return classifyResponse(request, await this.#transport.post(post, signal));
    } catch (error) {
      // Only a malformed request gets here (post() itself never throws).
      return { kind: 'rejected', code: 'INVALID_REQUEST', message: `could not send the request: ${String(error)}` };
    }
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}

const positive = (value: number | undefined, fallback: number) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
