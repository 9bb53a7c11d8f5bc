import type { ExportRecord } from '../model/records.js';
import type { Classification } from './retry-policy.js';

/** A request body built once per batch and re-sent as-is on retry. */
export interface EncodedBatch {
  body: string;
  contentType: string;
  path: string;
  /** Records the body carries, in order. */
  records: ExportRecord[];
  /** For the ingestion API: envelope id → record, to read a 207 answer. */
  byEnvelopeId?: Map<string, ExportRecord>;
  /** Records left out because they would have made the server reject the whole request. */
  invalid?: Array<{ record: ExportRecord; message: string }>;
}

/** A 207 answer: some events in, some refused for good, some worth retrying. */
export interface PartialOutcome {
  kind: 'partial';
  delivered: ExportRecord[];
  rejected: Array<{ record: ExportRecord; status: number; message: string }>;
  retry: ExportRecord[];
}

export type ExportOutcome = Classification | PartialOutcome;

/** Turns records into requests for one endpoint, and classifies what the server answered. */
export interface Exporter {
  readonly name: 'otlp' | 'ingestion';
  /**
   * Splits what is ready to send from what should wait a little (OTLP holds a lone trace
   * update until its root span shows up, so it does not create an extra observation).
   */
  prepare(records: ExportRecord[], final: boolean, now: number): { ready: ExportRecord[]; held: ExportRecord[] };
  encode(records: ExportRecord[]): EncodedBatch;
  classify(status: number, retryAfter: string | undefined, body: string, batch: EncodedBatch): ExportOutcome;
}
