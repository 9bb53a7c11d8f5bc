import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeOtlpProtobuf } from '@fusewire/test-server';
import { describe, expect, it } from 'vitest';
import { jobIdFor } from './job-ids.js';
import { selectEvents, splitRequest } from './split-request.js';
import type { ExportRequest } from './seam.js';
import { coreOtlpRequest, ingestionRequest, otlpRequest } from './test-support.js';

interface Decoded {
  resourceSpans: Array<{ resource: unknown; scopeSpans: Array<{ scope: unknown; spans: Array<{ spanId: string }> }> }>;
}

/** A protobuf body read with protobufjs against the official OTLP .proto files. */
const decode = (request: ExportRequest): Decoded => {
  const raw = request.body as Uint8Array;
  return decodeOtlpProtobuf(request.contentEncoding === 'gzip' ? gunzipSync(raw) : raw) as Decoded;
};

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

  it("keeps the trace's own event id with the first half of core's OTLP/JSON body (every event accounted for)", async () => {
    const request = await coreOtlpRequest(4, { otlpEncoding: 'json' });
    expect(request.contentType).toContain('application/json');
    const [traceEvent, ...spanEvents] = request.eventIds;
    expect(spanIds(request.body as string)).toEqual(spanEvents);
    const [a, b] = splitRequest(request)!;
    expect(a.eventIds).toEqual([traceEvent, ...spanEvents.slice(0, 2)]);
    expect(b.eventIds).toEqual(spanEvents.slice(2));
    expect(spanIds(a.body as string)).toEqual(spanEvents.slice(0, 2));
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

  for (const compression of ['none', 'gzip'] as const) {
    it(`splits core's protobuf body (compression ${compression}): resource and scope kept, each span once`, async () => {
      const request = await coreOtlpRequest(6, { compression });
      expect(request.contentType).toBe('application/x-protobuf');
      const whole = decode(request);
      const [resource] = whole.resourceSpans;
      const spans = resource!.scopeSpans[0]!.spans;
      expect(spans).toHaveLength(6);
      // The trace's own event id comes first; it names no span (its fields ride on the spans).
      const [traceEvent, ...spanEvents] = request.eventIds;
      expect(spans.map((s) => s.spanId)).toEqual(spanEvents);
      const [a, b] = splitRequest(request)!;
      const half = Math.ceil(spans.length / 2);
      for (const [part, expected] of [
        [a, spans.slice(0, half)],
        [b, spans.slice(half)],
      ] as const) {
        expect(part.contentEncoding).toBe(request.contentEncoding);
        const decoded = decode(part);
        expect(decoded.resourceSpans).toEqual([
          { ...resource, scopeSpans: [{ ...resource!.scopeSpans[0], spans: expected }] },
        ]);
        const ids = expected.map((s) => s.spanId);
        expect(part.eventIds).toEqual(part === a ? [traceEvent, ...ids] : ids);
      }
      expect(splitRequest(request)!.map((r) => r.id)).toEqual([a.id, b.id]);
      // Halves split again until one span is left, which cannot be cut.
      let smallest = a;
      while (decode(smallest).resourceSpans[0]!.scopeSpans[0]!.spans.length > 1) smallest = splitRequest(smallest)![0];
      expect(decode(smallest).resourceSpans[0]!.scopeSpans[0]!.spans).toEqual(spans.slice(0, 1));
      expect(smallest.eventIds).toEqual([traceEvent, spans[0]!.spanId]);
      expect(splitRequest(smallest)).toBeUndefined();
    });
  }

  it('leaves a protobuf body alone when its eventIds do not name its spans', async () => {
    const request = await coreOtlpRequest(3);
    expect(splitRequest({ ...request, eventIds: request.eventIds.slice(0, -1) })).toBeUndefined();
    expect(splitRequest({ ...request, body: (request.body as Uint8Array).subarray(0, 40) })).toBeUndefined();
    expect(splitRequest({ ...request, contentEncoding: 'gzip' })).toBeUndefined();
  });

  it('cannot cut a protobuf body it cannot read, or a single event', () => {
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
