// Builders shared by this package's tests (not exported from the package).
import { gzipSync } from 'node:zlib';
import type { LangfuseTestServer } from './types.js';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const ROOT_ID = 'b7ad6b7169203331';
export const CHILD_ID = '00f067aa0ba902b7';

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };

export function attr(key: string, value: string | number | boolean | string[]): { key: string; value: AnyValue } {
  if (Array.isArray(value)) return { key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } };
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { doubleValue: value } };
}

export interface SpanInput {
  traceId?: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  startMs?: number;
  endMs?: number;
  attributes?: Record<string, string | number | boolean | string[]>;
  status?: { code: number; message?: string };
}

const BASE_MS = 1_700_000_000_000;

export function span(input: SpanInput): Record<string, unknown> {
  return {
    traceId: input.traceId ?? TRACE_ID,
    spanId: input.spanId,
    ...(input.parentSpanId !== undefined && { parentSpanId: input.parentSpanId }),
    name: input.name ?? 'span',
    kind: 1,
    startTimeUnixNano: `${BigInt(BASE_MS + (input.startMs ?? 0)) * 1_000_000n}`,
    endTimeUnixNano: `${BigInt(BASE_MS + (input.endMs ?? 10)) * 1_000_000n}`,
    attributes: Object.entries(input.attributes ?? {}).map(([k, v]) => attr(k, v)),
    status: input.status ?? { code: 0 },
  };
}

export function otlpBody(spans: unknown[]): { resourceSpans: unknown[] } {
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'test-app')] },
        scopeSpans: [{ scope: { name: 'fusewire', version: '0.1.0' }, spans }],
      },
    ],
  };
}

export interface PostOptions {
  headers?: Record<string, string>;
  gzip?: boolean;
  raw?: string | Uint8Array;
  signal?: AbortSignal;
}

export function post(
  server: LangfuseTestServer,
  path: string,
  body: unknown,
  options: PostOptions = {},
): Promise<Response> {
  const json = options.raw ?? JSON.stringify(body);
  const payload = options.gzip ? gzipSync(json) : json;
  return fetch(server.url + path, {
    method: 'POST',
    headers: {
      authorization: server.authorization,
      'content-type': 'application/json',
      ...(options.gzip && { 'content-encoding': 'gzip' }),
      ...options.headers,
    },
    body: payload,
    ...(options.signal && { signal: options.signal }),
  });
}

export const postOtlp = (server: LangfuseTestServer, body: unknown, options?: PostOptions) =>
  post(server, '/api/public/otel/v1/traces', body, options);

export const postIngestion = (server: LangfuseTestServer, body: unknown, options?: PostOptions) =>
  post(server, '/api/public/ingestion', body, options);

let seq = 0;
export function event(type: string, body: Record<string, unknown>, id = `evt-${++seq}`) {
  return { id, timestamp: new Date(BASE_MS + seq).toISOString(), type, body };
}

/** `res.json()` typed loosely, for assertions. */
export async function json(res: Response | Promise<Response>): Promise<any> {
  return (await res).json();
}
