import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ExportRecord } from '../model/records.js';
import { describeError } from '../runtime/errors.js';
import type { ExportRequest } from '../seams/delivery.js';
import type { EncodedBatch, Exporter } from './exporter.js';
import { backgroundTurns, type Turns } from '../runtime/turn-budget.js';

const gzipAsync = promisify(gzip);

// Encoding this much takes about a millisecond: smaller batches go on in the turn that made them.
const OWN_TURN_BYTES = 256 * 1024;

/** How request bodies are compressed on the wire. */
export type Compression = 'gzip' | 'none';

// Below this, gzip saves a few hundred bytes for a thread-pool round trip: not worth it.
const MIN_GZIP_BYTES = 1024;
// Level 1: most of level 6's savings on OTLP text for a fraction of its CPU (measured, see README).
const GZIP_LEVEL = 1;

/** A request and the records it carries: `request.eventIds[i]` is the id the server names `records[i]` by. */
export interface AssembledRequest {
  request: ExportRequest;
  /** Encoded size before compression: what the request limits count. */
  bytes: number;
  records: ExportRecord[];
  /** The records by event id, built when an answer first names events (most answers name none). */
  index?: Map<string, ExportRecord | ExportRecord[]>;
}

/**
 * The records an answer names by event id. An id can stand for more than one record (two updates of
 * one trace in the same millisecond): all of them, since the server saw them as one event.
 */
export function recordsNamed(assembled: AssembledRequest, ids: readonly string[]): ExportRecord[] {
  let index = assembled.index;
  if (index === undefined) {
    index = new Map();
    const { records } = assembled;
    const { eventIds } = assembled.request;
    for (let i = 0; i < records.length; i++) {
      const id = eventIds[i] as string;
      const record = records[i] as ExportRecord;
      const known = index.get(id);
      if (known === undefined) index.set(id, record);
      else if (Array.isArray(known)) known.push(record);
      else index.set(id, [known, record]);
    }
    assembled.index = index;
  }
  const out: ExportRecord[] = [];
  for (const id of ids) {
    const found = index.get(id);
    if (found === undefined) continue;
    if (Array.isArray(found)) out.push(...found);
    else out.push(found);
  }
  return out;
}

/** Reports a record that cannot be sent at all (it would not serialise, or the server would refuse the batch). */
export type InvalidSink = (record: ExportRecord, message: string) => void;

/**
 * Encodes `records` into one request body, built once as bytes (and gzipped on the thread pool when
 * `compression` asks), which every retry re-sends as it is. A large batch starts on a turn of its own
 * and is encoded in slices, so a multi-MB body never holds the event loop in one go. A record that will not
 * serialise is reported alone and the rest are sent. Undefined when nothing is left to send.
 */
export async function assembleRequest(
  exporter: Exporter,
  records: ExportRecord[],
  invalid: InvalidSink,
  compression: Compression = 'none',
): Promise<AssembledRequest | undefined> {
  const pacer = backgroundTurns;
  // A large batch starts in a turn: its first record alone may take a while, and an answer or a
  // tick that started it runs outside fusewire's budget.
  let estimate = 0;
  for (const r of records) estimate += r.bytes;
  if (estimate >= OWN_TURN_BYTES) await pacer.next();
  const batch = await encode(exporter, records, invalid, pacer);
  for (const bad of batch.invalid ?? []) invalid(bad.record, bad.message);
  if (batch.records.length === 0) return undefined;
  // No map of them here: hashing every id per request cost more than the rare answer that names events.
  const eventIds: string[] = new Array(batch.records.length);
  for (let i = 0; i < batch.records.length; i++) eventIds[i] = eventId(batch.records[i] as ExportRecord);
  let body = typeof batch.body === 'string' ? Buffer.from(batch.body, 'utf8') : batch.body;
  const bytes = body.length;
  let contentEncoding = batch.contentEncoding;
  if (compression === 'gzip' && contentEncoding === undefined && bytes >= MIN_GZIP_BYTES) {
    body = await gzipAsync(body, { level: GZIP_LEVEL });
    contentEncoding = 'gzip';
  }
  const request: ExportRequest = {
    id: requestId(exporter.name, eventIds),
    endpoint: exporter.name,
    path: batch.path,
    contentType: batch.contentType,
    ...(contentEncoding !== undefined ? { contentEncoding } : {}),
    body,
    eventIds,
  };
  return { request, bytes, records: batch.records };
}

async function encode(
  exporter: Exporter,
  records: ExportRecord[],
  invalid: InvalidSink,
  pacer: Turns,
): Promise<EncodedBatch> {
  try {
    return await exporter.encode(records, pacer);
  } catch {
    // Something in one record will not serialise: find it, drop it alone, send the rest.
    const good: ExportRecord[] = [];
    for (const record of records) {
      try {
        await exporter.encode([record]);
        good.push(record);
      } catch (error) {
        invalid(record, `could not be serialised: ${describeError(error)}`);
      }
      const turn = pacer.due();
      if (turn !== undefined) await turn;
    }
    return await exporter.encode(good, pacer);
  }
}

/** The id the server answers with: the ingestion envelope id, else the span (or score) id. */
function eventId(record: ExportRecord): string {
  if (record.envelopeId !== undefined) return record.envelopeId;
  return record.kind === 'trace' ? `trace-${record.traceId}-${record.timestamp}` : record.id;
}

/** Same endpoint and events, same id: a retried enqueue into a job queue never duplicates. */
function requestId(endpoint: string, eventIds: readonly string[]): string {
  // One update of the joined text hashes the same bytes as an update per id, for one native call.
  return createHash('sha256')
    .update(`${endpoint}\n${eventIds.join('\n')}`)
    .digest('hex')
    .slice(0, 32);
}
