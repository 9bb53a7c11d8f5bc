import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpProtobuf } from './otlp-protobuf.js';

/** The outcome of turning a raw body into JSON. */
export type DecodedBody = { ok: true; value: unknown } | { ok: false; status: number; message: string };

/**
 * Check the content type, gunzip if asked, and parse the body: once per request. OTLP protobuf (OTLP
 * endpoint only, as Langfuse) is decoded against the official opentelemetry-proto definitions into the
 * OTLP/JSON shape, so everything after this reads one shape.
 */
export function decodeJsonBody(headers: IncomingHttpHeaders, raw: Buffer, otlp = false): DecodedBody {
  const type = headers['content-type'] ?? '';
  const protobuf = otlp && type.includes('application/x-protobuf');
  if (!type.includes('application/json') && !protobuf) {
    const accepted = otlp ? 'application/json or application/x-protobuf' : 'application/json';
    // Protobuf where only JSON is read (the batch API) is a known type this endpoint does not take.
    const status = type.includes('application/x-protobuf') ? 415 : 400;
    return { ok: false, status, message: `Unsupported content-type "${type}": send ${accepted}` };
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
  if (protobuf) {
    try {
      return { ok: true, value: decodeOtlpProtobuf(data) };
    } catch (error) {
      return { ok: false, status: 400, message: `Invalid protobuf body: ${(error as Error).message}` };
    }
  }
  try {
    return { ok: true, value: JSON.parse(data.toString('utf8')) };
  } catch (error) {
    return { ok: false, status: 400, message: `Invalid JSON body: ${(error as Error).message}` };
  }
}
