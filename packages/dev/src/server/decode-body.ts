import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpProtobuf } from '../otlp/decode-otlp-protobuf.js';

/** A body turned into a value, or the answer Langfuse would give. */
export type DecodedBody = { ok: true; value: unknown; bytes: number } | { ok: false; status: number; message: string };

function gunzip(raw: Buffer, limit: number): Buffer | string {
  try {
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return 'too large';
    return `Invalid gzip body: ${(error as Error).message}`;
  }
}

/**
 * Check the content type like Langfuse (`application/json` or `application/x-protobuf`), gunzip when
 * asked (bounded by `limit` after decompression too), then parse. Protobuf is accepted on OTLP only.
 */
export function decodeBody(
  headers: IncomingHttpHeaders,
  raw: Buffer,
  options: { protobuf: boolean; limit: number },
): DecodedBody {
  const type = String(headers['content-type'] ?? '');
  const isJson = type.includes('application/json');
  const isProtobuf = options.protobuf && type.includes('application/x-protobuf');
  if (!isJson && !isProtobuf) {
    const accepted = options.protobuf ? 'application/json or application/x-protobuf' : 'application/json';
    return { ok: false, status: 400, message: `Unsupported content-type "${type}": send ${accepted}` };
  }
  let data = raw;
  const encoding = headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    if (encoding !== 'gzip') {
      return { ok: false, status: 400, message: `Unsupported content-encoding "${encoding}": send gzip or nothing` };
    }
    const unzipped = gunzip(raw, options.limit);
    if (unzipped === 'too large') return { ok: false, status: 413, message: 'Body too large after decompression' };
    if (typeof unzipped === 'string') return { ok: false, status: 400, message: unzipped };
    data = unzipped;
  }
  try {
    const value = isJson ? JSON.parse(data.toString('utf8')) : decodeOtlpProtobuf(data);
    return { ok: true, value, bytes: data.length };
  } catch (error) {
    const what = isJson ? 'JSON' : 'protobuf';
    return { ok: false, status: 400, message: `Invalid ${what} body: ${(error as Error).message}` };
  }
}
