import dc from 'dc-polyfill';
import type { DropReason } from '../model/records.js';

/**
 * fusewire's own events, on `diagnostics_channel` like everything else: subscribe to watch the
 * exporter (metrics, health dashboards, tests). Each is published only when someone subscribes,
 * and never from the publisher's hot path: drops and settled records from the ledger, export
 * attempts from the delivery layer.
 */
export const SELF_TELEMETRY_CHANNELS = {
  /** One message per export attempt: {@link ExportMessage}. */
  export: 'fusewire.export',
  /** Events that were not delivered, by reason: {@link DropMessage}. */
  drop: 'fusewire.drop',
  /** Every event once, when its fate is known (delivered or dropped): {@link RecordMessage}. */
  record: 'fusewire.record',
} as const;

/** One export attempt, whatever its outcome (`fusewire.export`). */
export interface ExportMessage {
  endpoint: 'otlp' | 'ingestion';
  /** What the attempt came to: the delivery's verdict (`retryable` attempts are retried). */
  outcome: 'delivered' | 'handed_off' | 'partial' | 'partially_rejected' | 'retryable' | 'rejected' | 'too_large';
  /** HTTP status, when the server answered. */
  status?: number;
  /** Error code of a failed attempt (`TIMEOUT`, `ECONNREFUSED`, `HTTP_503`, …). */
  code?: string;
  events: number;
  bytes: number;
  durationMs: number;
  /** 1 for a first attempt. */
  attempt: number;
}

/** Events fusewire gave up on or refused (`fusewire.drop`). */
export interface DropMessage {
  reason: DropReason;
  count: number;
  /** `trace`, `score` or the observation type (`span`, `generation`, …), when known. */
  kind?: string;
}

/** An event whose fate is known (`fusewire.record`); generations carry what LLM metrics need. */
export interface RecordMessage {
  /** `trace`, `score` or the observation type. */
  kind: string;
  outcome: 'delivered' | DropReason;
  /** Generations (and other observations with a model): model, usage and timing. */
  model?: string;
  /** Usage as published (Langfuse's keys, or a provider's shape such as OpenAI's). */
  usageDetails?: Record<string, unknown>;
  costDetails?: Record<string, unknown>;
  /** Epoch milliseconds. */
  startTime?: number;
  endTime?: number;
  completionStartTime?: number;
  level?: string;
}

const exportChannel = dc.channel(SELF_TELEMETRY_CHANNELS.export);
const dropChannel = dc.channel(SELF_TELEMETRY_CHANNELS.drop);
const recordChannel = dc.channel(SELF_TELEMETRY_CHANNELS.record);

/** True when someone listens for settled records (the ledger then builds the messages). */
export const recordsWatched = (): boolean => recordChannel.hasSubscribers;

export function publishExport(message: () => ExportMessage): void {
  if (exportChannel.hasSubscribers) guard(() => exportChannel.publish(message()));
}

export function publishDrop(reason: DropReason, count: number, kind?: string): void {
  if (dropChannel.hasSubscribers)
    guard(() => dropChannel.publish(kind === undefined ? { reason, count } : { reason, count, kind }));
}

export function publishRecord(message: RecordMessage): void {
  guard(() => recordChannel.publish(message));
}

// A subscriber's throw is re-raised by Node on the next tick; fusewire's own work must not be
// where it surfaces, so publishing is guarded like every other call into user code.
function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // Node reports a subscriber's own error itself.
  }
}
