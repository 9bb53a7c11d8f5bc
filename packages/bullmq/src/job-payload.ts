import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { ExportRequest } from './seam.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Format version of {@link JobPayload}; a worker refuses payloads it does not know. */
export const PAYLOAD_VERSION = 1;

/**
 * What a job carries in Redis: the assembled request, its body compressed and base64'd (BullMQ stores
 * job data as JSON). Plain data only: no credentials, no functions.
 */
export interface JobPayload {
  v: typeof PAYLOAD_VERSION;
  id: string;
  endpoint: ExportRequest['endpoint'];
  path: string;
  contentType: string;
  contentEncoding?: 'gzip';
  eventIds: string[];
  /** `gzip`: `body` is the request body gzipped here; `identity`: the request body was gzipped already. */
  codec: 'gzip' | 'identity';
  /** base64 */
  body: string;
  /** Body bytes before our compression, for stats. */
  rawBytes: number;
  /**
   * The app's body was bytes (protobuf, or anything assembled as a Buffer), not text: it is handed back
   * as bytes. Absent: text (payloads written before this field existed).
   */
  binary?: true;
  /** Set on a dead-letter job (entries a 207 refused): why, so the failed set shows the server's words. */
  deadLetter?: { status: number; message: string };
}

/** Encodes a request as a job payload; `undefined` when it would exceed `maxBytes` (the caller splits). */
export async function encodePayload(request: ExportRequest, maxBytes: number): Promise<JobPayload | undefined> {
  const raw = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : Buffer.from(request.body);
  const alreadyZipped = request.contentEncoding === 'gzip';
  // Compressing on the app side makes Redis memory and network the smaller cost, and the worker pays nothing.
  const stored = alreadyZipped ? raw : await gzipAsync(raw, { level: 6 });
  // base64 length plus the ids and headers: a cheap upper bound of the JSON Redis will hold.
  let size = Math.ceil(stored.length / 3) * 4 + request.path.length + request.contentType.length + 200;
  for (const id of request.eventIds) size += id.length + 3;
  if (size > maxBytes) return undefined;
  return {
    v: PAYLOAD_VERSION,
    id: request.id,
    endpoint: request.endpoint,
    path: request.path,
    contentType: request.contentType,
    ...(alreadyZipped ? { contentEncoding: 'gzip' as const } : {}),
    eventIds: request.eventIds,
    codec: alreadyZipped ? 'identity' : 'gzip',
    body: stored.toString('base64'),
    rawBytes: raw.length,
    ...(typeof request.body === 'string' ? {} : { binary: true as const }),
  };
}

/** Turns a job payload back into the request the app assembled, byte for byte. */
export async function decodePayload(payload: JobPayload): Promise<ExportRequest> {
  if (payload?.v !== PAYLOAD_VERSION) {
    throw new Error(`unknown job payload version ${String(payload?.v)}: upgrade the worker`);
  }
  const stored = Buffer.from(payload.body, 'base64');
  const bytes = payload.codec === 'gzip' ? await gunzipAsync(stored) : stored;
  // Bytes stay bytes: read as UTF-8, a protobuf body would be corrupted.
  const body =
    payload.binary === true || payload.contentEncoding === 'gzip' ? new Uint8Array(bytes) : bytes.toString('utf8');
  return {
    id: payload.id,
    endpoint: payload.endpoint,
    path: payload.path,
    contentType: payload.contentType,
    ...(payload.contentEncoding ? { contentEncoding: payload.contentEncoding } : {}),
    body,
    eventIds: payload.eventIds,
  };
}
