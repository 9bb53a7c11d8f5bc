import { gunzipSync, gzipSync } from 'node:zlib';
import { derivedRequestId } from './job-ids.js';
import { splitOtlpProtobuf } from './protobuf-split.js';
import type { ExportRequest } from './seam.js';

// Workers hold no records, only the assembled body, so a 413 split or a 207 remainder is cut out of the
// JSON body itself. OTLP spans are keyed by spanId, ingestion events by envelope id: the same ids the
// request lists in `eventIds`. A protobuf OTLP body is cut on a 413 too (see protobuf-split.ts), its
// `eventIds` in span order; a 207 remainder is ingestion-only, so JSON.

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

function bytesOf(body: ExportRequest['body']): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'latin1')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function splitProtobuf(request: ExportRequest): [ExportRequest, ExportRequest] | undefined {
  const gzip = request.contentEncoding === 'gzip';
  let halves: ReturnType<typeof splitOtlpProtobuf>;
  try {
    const raw = bytesOf(request.body);
    halves = splitOtlpProtobuf(gzip ? gunzipSync(raw) : raw);
  } catch {
    return undefined; // not gzip after all: left uncut, like unreadable JSON
  }
  if (halves === undefined) return undefined;
  const listed = new Set(request.eventIds);
  if (!halves.every((h) => h.spanIds.every((id) => listed.has(id)))) return undefined;
  // Ids that name no span (a trace's own event: its fields ride on the spans) stay with the first half,
  // so the two halves still account for every event the request carried.
  const second = new Set(halves[1].spanIds);
  const ids = [request.eventIds.filter((id) => !second.has(id)), request.eventIds.filter((id) => second.has(id))];
  const [a, b] = halves.map((half, i) => ({
    ...request,
    id: derivedRequestId(request.id, i === 0 ? 'a' : 'b', ids[i]!),
    body: gzip ? new Uint8Array(gzipSync(half.body)) : half.body,
    eventIds: ids[i]!,
  }));
  return [a!, b!];
}

/** Two requests with half of the events each (a 413), or undefined when it cannot be cut. */
export function splitRequest(request: ExportRequest): [ExportRequest, ExportRequest] | undefined {
  if (request.endpoint === 'otlp' && request.contentType.includes('application/x-protobuf')) {
    return splitProtobuf(request);
  }
  const value = readJson(request);
  const present = value === undefined ? undefined : idsInBody(request, value);
  if (present === undefined || present.length < 2) return undefined;
  const half = Math.ceil(present.length / 2);
  const first = present.slice(0, half);
  const second = present.slice(half);
  // As for protobuf: OTLP ids that name no span (a trace's own event) stay with the first half, so the
  // halves still account for every event the request carried.
  const inSecond = new Set(second);
  const firstIds = request.endpoint === 'otlp' ? request.eventIds.filter((id) => !inSecond.has(id)) : first;
  return [
    withBody(request, keepOnly(request, value, new Set(first)), firstIds, 'a'),
    withBody(request, keepOnly(request, value, inSecond), second, 'b'),
  ];
}
