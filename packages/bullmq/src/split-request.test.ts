import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { jobIdFor } from './job-ids.js';
import { selectEvents, splitRequest } from './split-request.js';
import { ingestionRequest, otlpRequest } from './test-support.js';

const spanIds = (body: string) =>
  JSON.parse(body).resourceSpans.flatMap((r: any) =>
    r.scopeSpans.flatMap((s: any) => s.spans.map((x: any) => x.spanId)),
  );

describe('cutting requests on the worker', () => {
  it('splits an OTLP body in halves that together hold every span once', () => {
    const request = otlpRequest(5);
    const [a, b] = splitRequest(request)!;
    expect(spanIds(a.body as string)).toEqual(request.eventIds.slice(0, 3));
    expect(spanIds(b.body as string)).toEqual(request.eventIds.slice(3));
    expect([...a.eventIds, ...b.eventIds]).toEqual(request.eventIds);
    // Deterministic: the same split gives the same ids (a re-run worker adds the same child jobs).
    expect(splitRequest(request)!.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(a.id).not.toBe(b.id);
  });

  it('keeps only the chosen ingestion events, and gzip stays gzip', () => {
    const plain = ingestionRequest(4);
    const request = {
      ...plain,
      contentEncoding: 'gzip' as const,
      body: new Uint8Array(gzipSync(plain.body as string)),
    };
    const kept = selectEvents(request, [plain.eventIds[1]!, plain.eventIds[3]!], 'r')!;
    const batch = JSON.parse(gunzipSync(kept.body as Uint8Array).toString()).batch;
    expect(batch.map((e: any) => e.id)).toEqual([plain.eventIds[1], plain.eventIds[3]]);
    expect(kept.eventIds).toEqual([plain.eventIds[1], plain.eventIds[3]]);
  });

  it('cannot cut protobuf or a single event', () => {
    expect(splitRequest({ ...otlpRequest(4), contentType: 'application/x-protobuf' })).toBeUndefined();
    expect(splitRequest(otlpRequest(1))).toBeUndefined();
    expect(selectEvents(otlpRequest(2), ['not-there'], 'r')).toBeUndefined();
  });

  it('job ids are BullMQ-safe and stable', () => {
    expect(jobIdFor('abc:def')).toBe('fw-abc_def');
    expect(jobIdFor('123')).toBe('fw-123');
    const long = 'x'.repeat(500);
    expect(jobIdFor(long)).toBe(jobIdFor(long));
    expect(jobIdFor(long).length).toBeLessThan(100);
  });
});
