import type { ExportRecord } from '../model/records.js';
import type { Turns } from '../runtime/turn-budget.js';

/** A request body built once per batch and re-sent as-is on retry. */
export interface EncodedBatch {
  body: string | Uint8Array;
  contentType: string;
  contentEncoding?: 'gzip';
  path: string;
  /** Records the body carries, in order. */
  records: ExportRecord[];
  /** Records left out because they would have made the server reject the whole request. */
  invalid?: Array<{ record: ExportRecord; message: string }>;
}

/**
 * Turns records into request bodies for one endpoint. How the endpoint's answers read is in
 * `classify-response.ts` (shared with any delivery that sends for the app).
 */
export interface Exporter {
  readonly name: 'otlp' | 'ingestion';
  /**
   * Splits what is ready to send from what should wait a little (OTLP holds a lone trace
   * update until its root span shows up, so it does not create an extra observation).
   */
  prepare(records: ExportRecord[], final: boolean, now: number): { ready: ExportRecord[]; held: ExportRecord[] };
  /**
   * Builds one request body. May work in slices (awaiting `pacer` whenever the turn is spent) so a multi-MB body
   * never holds the event loop in one go.
   */
  encode(records: ExportRecord[], pacer?: Turns): EncodedBatch | Promise<EncodedBatch>;
}
