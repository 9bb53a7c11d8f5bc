/**
 * The delivery seam: between an assembled export request and the network.
 *
 * Core assembles batches into {@link ExportRequest}s and hands each to a {@link Delivery}. Core's own
 * retrying layer sits above every delivery: it decides waits (backoff, `Retry-After`), pauses an
 * endpoint, splits on 413 and retries per event after a 207, so a delivery only sends
 * once and says what happened. The default is direct HTTP to Langfuse ({@link createHttpDelivery});
 * a remote delivery (a queue such as BullMQ) takes responsibility instead and answers `handed_off`.
 *
 * @packageDocumentation
 */

/** Where a request goes: Langfuse's OTLP endpoint or the (legacy) ingestion batch API. */
export type ExportEndpoint = 'otlp' | 'ingestion';

/**
 * One assembled request: plain, serialisable data (it can be a job payload). Built once and re-sent
 * as-is on retry.
 *
 * @example
 * ```ts
 * const request: ExportRequest = {
 *   id: 'a3f1…',
 *   endpoint: 'ingestion',
 *   path: '/api/public/ingestion',
 *   contentType: 'application/json',
 *   body: '{"batch":[…]}',
 *   eventIds: ['0af7…', '9c1e…'],
 * };
 * ```
 */
export interface ExportRequest {
  /**
   * Deterministic from {@link ExportRequest.eventIds} (same events, same id): usable as a job id, so
   * an enqueue that is retried never duplicates.
   */
  id: string;
  endpoint: ExportEndpoint;
  /** Path under the Langfuse base URL: `/api/public/otel/v1/traces` or `/api/public/ingestion`. */
  path: string;
  /** `application/json` or `application/x-protobuf`. */
  contentType: string;
  contentEncoding?: 'gzip';
  body: Uint8Array | string;
  /**
   * The ids of the events in the body, in order (ingestion envelope ids, OTLP span ids): how a 207 or
   * an OTLP partial success names what it refused.
   */
  eventIds: string[];
}

/** A per-event refusal inside a partial answer. */
export interface RejectedEvent {
  id: string;
  status: number;
  message: string;
}

/** What one send achieved. A delivery resolves with exactly one of these. */
export type DeliveryResult =
  /** The server stored the whole request (2xx). */
  | { kind: 'delivered' }
  /** A remote delivery (a queue) took responsibility for it; `to` names where. */
  | { kind: 'handed_off'; to: string }
  /** Per-event answer (an ingestion 207): each event id in exactly one list. */
  | { kind: 'partial'; delivered: string[]; rejected: RejectedEvent[]; retry: string[] }
  /**
   * The server stored the request except `rejected` events it did not name (an OTLP
   * `partialSuccess.rejectedSpans`, which is a count). Not retried: which events were refused is
   * unknown, and a re-send would store the others twice at a receiver that does not dedup. Core counts
   * `rejected` events as dropped `rejected_unattributed` and the rest as delivered.
   */
  | { kind: 'partially_rejected'; rejected: number; code: string; message: string; status?: number }
  /**
   * Worth trying again (5xx, 408, 429, network error, timeout). `retryAfterMs` is the server's
   * `Retry-After`. `mayHaveArrived` is true when the request was sent but no answer came (a timeout or
   * a connection lost after sending): the server may have stored it, so a loss is reported as unconfirmed.
   */
  | {
      kind: 'retryable';
      code: string;
      message: string;
      status?: number;
      retryAfterMs?: number;
      mayHaveArrived?: boolean;
    }
  /** Never worth retrying as it is (400, 401, 403, 404, 422, a redirect): the events become dead letters. */
  | { kind: 'rejected'; code: string; message: string; status?: number }
  /** 413: the caller splits the events and re-assembles smaller requests. */
  | { kind: 'too_large' };

/**
 * Sends one request and says what happened. Core calls `send` for each request (and again for each
 * retry) and `close` once at shutdown.
 *
 * @example
 * ```ts
 * import { createFusewire, type Delivery } from '@fusewire/core';
 *
 * const queued: Delivery = {
 *   name: 'my-queue',
 *   needsCredentials: false, // workers hold the Langfuse keys, the app needs none
 *   async send(request) {
 *     await myQueue.add(request.id, request); // a retried enqueue reuses the same id
 *     return { kind: 'handed_off', to: 'my-queue' };
 *   },
 *   async close() {},
 * };
 * createFusewire({ delivery: queued });
 * ```
 */
export interface Delivery {
  /** Shown in logs and dead letters: `'http'`, `'bullmq'`, … */
  readonly name: string;
  /** False when the app needs no Langfuse keys (whoever sends onward holds them). */
  readonly needsCredentials: boolean;
  /**
   * Sends `request` once. Never throws and never rejects: resolves with what happened. Stops early
   * when `signal` aborts (shutdown), resolving with a `retryable` result.
   */
  send(request: ExportRequest, signal: AbortSignal): Promise<DeliveryResult>;
  /** Releases connections. Called once, after the last send. */
  close(): Promise<void>;
}
