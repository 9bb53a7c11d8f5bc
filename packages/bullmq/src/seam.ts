// The delivery seam of @fusewire/core (see docs/architecture.md there). Until core exports it, the
// contract is mirrored here; this file then becomes a re-export of core's types.

/** One assembled request, plain data, serialisable (a job payload). Built once, re-sent as-is on retry. */
export interface ExportRequest {
  /** Deterministic from the event ids it carries: the BullMQ job id, so an enqueue retry never duplicates. */
  id: string;
  endpoint: 'otlp' | 'ingestion';
  path: string;
  contentType: string;
  contentEncoding?: 'gzip';
  body: Uint8Array | string;
  /** Per-event ids in the body (span ids / envelope ids), to read 207 / partialSuccess answers. */
  eventIds: string[];
}

export type DeliveryResult =
  | { kind: 'delivered' }
  | { kind: 'handed_off'; to: string }
  | {
      kind: 'partial';
      delivered: string[];
      rejected: Array<{ id: string; status: number; message: string }>;
      retry: string[];
    }
  | { kind: 'retryable'; code: string; message: string; status?: number; retryAfterMs?: number }
  | { kind: 'rejected'; code: string; message: string; status?: number }
  | { kind: 'too_large' };

export interface Delivery {
  readonly name: string;
  readonly needsCredentials: boolean;
  send(request: ExportRequest, signal: AbortSignal): Promise<DeliveryResult>;
  close(): Promise<void>;
}
