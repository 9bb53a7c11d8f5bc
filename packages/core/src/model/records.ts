import type { Level, ObservationType, ScoreDataType } from './schemas.js';

/** Why an event was not delivered. Every loss is counted under one of these. */
export type DropReason =
  | 'queue_full'
  | 'invalid'
  | 'sampled'
  | 'non_retryable'
  | 'rejected_unattributed'
  | 'retry_exhausted'
  | 'too_large'
  | 'shutdown_timeout'
  | 'after_shutdown'
  | 'spool_full'
  | 'store_error';

export const DROP_REASONS: readonly DropReason[] = [
  'queue_full',
  'invalid',
  'sampled',
  'non_retryable',
  'rejected_unattributed',
  'retry_exhausted',
  'too_large',
  'shutdown_timeout',
  'after_shutdown',
  'spool_full',
  'store_error',
];

/**
 * input/output/metadata are prepared once at flush time: a string stays the caller's text
 * (OTLP sends it as-is), anything else becomes JSON text. `raw` marks the plain strings, so
 * the ingestion exporter knows which ones still need quoting.
 */
export const RAW_INPUT = 1;
export const RAW_OUTPUT = 2;
export const RAW_METADATA = 4;

/** Trace-level fields (input/output/metadata prepared as described above). */
export interface TraceFields {
  name?: string;
  userId?: string;
  sessionId?: string;
  input?: string;
  output?: string;
  metadata?: string;
  tags?: string[];
  public?: boolean;
  release?: string;
  version?: string;
  environment?: string;
}

interface RecordBase {
  /** Estimated serialised size, for batch and queue byte limits. */
  bytes: number;
  /** Flush epoch at acceptance: `flush()` waits for its epoch to settle. */
  epoch: number;
  /** Ingestion envelope id: made once, so a retry re-sends the same id and Langfuse dedups. */
  envelopeId?: string;
  /** The pipeline run that accepted it (tells an earlier process's leftovers in a durable store from this one's). */
  origin?: string;
}

export interface TraceRecord extends RecordBase {
  kind: 'trace';
  traceId: string;
  /** Epoch ms. */
  timestamp: number;
  fields: TraceFields;
  /** RAW_* bits for `fields`. */
  raw: number;
  /** When the OTLP exporter first held it back waiting for its root span (epoch ms). */
  heldSince?: number;
  /** Batch API envelope time (epoch ms), fixed at first encode: strictly increasing per trace. */
  envelopeTime?: number;
}

export interface ObservationRecord extends RecordBase {
  kind: 'observation';
  type: ObservationType;
  /** RAW_* bits. */
  raw: number;
  traceId: string;
  id: string;
  parentId?: string;
  /** Its parent lives in another service (a continued trace): this process's root of the trace. */
  appRoot?: boolean;
  name?: string;
  startTime: number;
  endTime?: number;
  input?: string;
  output?: string;
  metadata?: string;
  level?: Level;
  statusMessage?: string;
  version?: string;
  environment?: string;
  model?: string;
  /** JSON text (serialised at normalisation, so export never runs a caller's toJSON). */
  modelParameters?: string;
  /** JSON text. */
  usageDetails?: string;
  /** JSON text. */
  costDetails?: string;
  completionStartTime?: number;
  promptName?: string;
  promptVersion?: number;
}

export interface ScoreRecord extends RecordBase {
  kind: 'score';
  /** RAW_* bits. */
  raw: number;
  id: string;
  timestamp: number;
  name: string;
  value: number | string;
  dataType: ScoreDataType;
  traceId?: string;
  observationId?: string;
  sessionId?: string;
  datasetRunId?: string;
  comment?: string;
  metadata?: string;
  environment?: string;
}

/** A validated, normalised event waiting for export. */
export type ExportRecord = TraceRecord | ObservationRecord | ScoreRecord;
