import { gunzipSync } from 'node:zlib';
import type { ExportRequest } from '../index.js';

/** One request the test client would have sent to Langfuse, decoded. */
export interface CapturedRequest {
  endpoint: 'otlp' | 'ingestion';
  path: string;
  /** The parsed JSON body: an OTLP `ExportTraceServiceRequest` or an ingestion `{ batch }`. */
  body: unknown;
}

/**
 * Decode a request as Langfuse would read it (gunzip, then JSON). A body that is not JSON (a binary
 * protobuf export) cannot be read without a protobuf decoder: it is returned as an error message.
 */
export function decodeRequest(request: ExportRequest): CapturedRequest | string {
  let bytes: Uint8Array | string = request.body;
  try {
    if (request.contentEncoding === 'gzip') bytes = gunzipSync(bytes);
    if (!request.contentType.includes('application/json')) {
      return `${request.path}: ${request.contentType} bodies are not decoded by @fusewire/core/testing; createTestFusewire() records OTLP/JSON`;
    }
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
    return { endpoint: request.endpoint, path: request.path, body: JSON.parse(text) };
  } catch (error) {
    return `${request.path}: undecodable body (${(error as Error).message})`;
  }
}
