import { gunzipSync, gzipSync } from 'node:zlib';
import { derivedRequestId } from './job-ids.js';
import type { ExportRequest } from './seam.js';

// Workers hold no records, only the assembled body, so a 413 split or a 207 remainder is cut out of the
// JSON body itself. OTLP spans are keyed by spanId, ingestion events by envelope id: the same ids the
// request lists in `eventIds`. Protobuf bodies cannot be cut here (undefined: the caller dead-letters).

interface OtlpBody {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ spanId?: string }> }> }>;
}
interface IngestionBody {
  batch?: Array<{ id?: string }>;
}

function readJson(request: ExportRequest): unknown {
  if (!request.contentType.includes('application/json')) return undefined;
  const raw =
    typeof request.body === 'string'
      ? Buffer.from(request.body, 'utf8')
      : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const text = request.contentEncoding === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function withBody(request: ExportRequest, value: unknown, eventIds: string[], tag: string): ExportRequest {
  const text = JSON.stringify(value);
  return {
    ...request,
    id: derivedRequestId(request.id, tag, eventIds),
    body: request.contentEncoding === 'gzip' ? new Uint8Array(gzipSync(text)) : text,
    eventIds,
  };
}

/** The ids of the events the body really carries, in body order. */
function idsInBody(request: ExportRequest, value: unknown): string[] | undefined {
  if (request.endpoint === 'ingestion') {
    const batch = (value as IngestionBody)?.batch;
    return Array.isArray(batch) ? batch.map((e) => String(e?.id)) : undefined;
  }
  const ids: string[] = [];
  const resources = (value as OtlpBody)?.resourceSpans;
  if (!Array.isArray(resources)) return undefined;
  for (const r of resources)
    for (const s of r.scopeSpans ?? []) for (const span of s.spans ?? []) ids.push(String(span?.spanId));
  return ids;
}

function keepOnly(request: ExportRequest, value: unknown, keep: ReadonlySet<string>): unknown {
  if (request.endpoint === 'ingestion') {
    const body = value as IngestionBody;
    return { ...body, batch: (body.batch ?? []).filter((e) => keep.has(String(e?.id))) };
  }
  const body = value as OtlpBody;
  return {
    ...body,
    resourceSpans: (body.resourceSpans ?? [])
      .map((r) => ({
        ...r,
        scopeSpans: (r.scopeSpans ?? [])
          .map((s) => ({ ...s, spans: (s.spans ?? []).filter((span) => keep.has(String(span?.spanId))) }))
          .filter((s) => s.spans.length > 0),
      }))
      .filter((r) => r.scopeSpans.length > 0),
  };
}

/** The same request carrying only the events in `ids` (a 207's retry or rejected part). */
export function selectEvents(request: ExportRequest, ids: readonly string[], tag: string): ExportRequest | undefined {
  const value = readJson(request);
  const present = value === undefined ? undefined : idsInBody(request, value);
  if (present === undefined) return undefined;
  const keep = new Set(ids);
  const kept = present.filter((id) => keep.has(id));
  if (kept.length === 0) return undefined;
  return withBody(request, keepOnly(request, value, keep), kept, tag);
}

/** Two requests with half of the events each (a 413), or undefined when it cannot be cut. */
export function splitRequest(request: ExportRequest): [ExportRequest, ExportRequest] | undefined {
  const value = readJson(request);
  const present = value === undefined ? undefined : idsInBody(request, value);
  if (present === undefined || present.length < 2) return undefined;
  const half = Math.ceil(present.length / 2);
  const first = present.slice(0, half);
  const second = present.slice(half);
  return [
    withBody(request, keepOnly(request, value, new Set(first)), first, 'a'),
    withBody(request, keepOnly(request, value, new Set(second)), second, 'b'),
  ];
}
