import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** The outcome of turning a raw body into JSON. */
export type DecodedBody = { ok: true; value: unknown } | { ok: false; status: number; message: string };

/**
 * Check the content type, gunzip if asked, and parse the JSON: once per request. Protobuf is answered
 * with 415 because this server only speaks OTLP/JSON.
 */
export function decodeJsonBody(headers: IncomingHttpHeaders, raw: Buffer): DecodedBody {
  const type = headers['content-type'] ?? '';
  if (!type.includes('application/json')) {
    if (type.includes('application/x-protobuf')) {
      return { ok: false, status: 415, message: 'protobuf not supported by test server' };
    }
    return { ok: false, status: 400, message: `Unsupported content-type "${type}": send application/json` };
  }
  let data = raw;
  const encoding = headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    if (encoding !== 'gzip') {
      return { ok: false, status: 400, message: `Unsupported content-encoding "${encoding}": send gzip or nothing` };
    }
    try {
      data = gunzipSync(raw);
    } catch (error) {
      return { ok: false, status: 400, message: `Invalid gzip body: ${(error as Error).message}` };
    }
  }
  try {
    return { ok: true, value: JSON.parse(data.toString('utf8')) };
  } catch (error) {
    return { ok: false, status: 400, message: `Invalid JSON body: ${(error as Error).message}` };
  }
}
