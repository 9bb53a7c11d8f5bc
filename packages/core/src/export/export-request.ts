import { createHash } from 'node:crypto';
import type { ExportRecord } from '../model/records.js';
import { describeError } from '../runtime/errors.js';
import type { ExportRequest } from '../seams/delivery.js';
import type { EncodedBatch, Exporter } from './exporter.js';

/** A request and the records it carries, by the event id the server names them with. */
export interface AssembledRequest {
  request: ExportRequest;
  records: ExportRecord[];
  byId: Map<string, ExportRecord>;
}

/** Reports a record that cannot be sent at all (it would not serialise, or the server would refuse the batch). */
export type InvalidSink = (record: ExportRecord, message: string) => void;

/**
 * Encodes `records` into one request. A record that will not serialise is reported alone and the
 * rest are sent. Undefined when nothing is left to send.
 */
export function assembleRequest(
  exporter: Exporter,
  records: ExportRecord[],
  invalid: InvalidSink,
): AssembledRequest | undefined {
  const batch = encode(exporter, records, invalid);
  for (const bad of batch.invalid ?? []) invalid(bad.record, bad.message);
  if (batch.records.length === 0) return undefined;
  const byId = new Map<string, ExportRecord>();
  const eventIds: string[] = [];
  for (const record of batch.records) {
    let id = eventId(record);
    // Two updates of one trace in a batch: keep ids unique (deterministically) for the lookup.
    for (let n = 1; byId.has(id); n++) id = `${eventId(record)}~${n}`;
    byId.set(id, record);
    eventIds.push(id);
  }
  const request: ExportRequest = {
    id: requestId(exporter.name, eventIds),
    endpoint: exporter.name,
    path: batch.path,
    contentType: batch.contentType,
    ...(batch.contentEncoding !== undefined ? { contentEncoding: batch.contentEncoding } : {}),
    body: batch.body,
    eventIds,
  };
  return { request, records: batch.records, byId };
}

function encode(exporter: Exporter, records: ExportRecord[], invalid: InvalidSink): EncodedBatch {
  try {
    return exporter.encode(records);
  } catch {
    // Something in one record will not serialise: find it, drop it alone, send the rest.
    const good: ExportRecord[] = [];
    for (const record of records) {
      try {
        exporter.encode([record]);
        good.push(record);
      } catch (error) {
        invalid(record, `could not be serialised: ${describeError(error)}`);
      }
    }
    return exporter.encode(good);
  }
}

/** The id the server answers with: the ingestion envelope id, else the span (or score) id. */
function eventId(record: ExportRecord): string {
  if (record.envelopeId !== undefined) return record.envelopeId;
  return record.kind === 'trace' ? `trace-${record.traceId}-${record.timestamp}` : record.id;
}

/** Same endpoint and events, same id: a retried enqueue into a job queue never duplicates. */
function requestId(endpoint: string, eventIds: readonly string[]): string {
  const hash = createHash('sha256').update(endpoint);
  for (const id of eventIds) hash.update('\n').update(id);
  return hash.digest('hex').slice(0, 32);
}
