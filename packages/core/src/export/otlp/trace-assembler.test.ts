import { decodeOtlpProtobuf } from '@fusewire/test-server';
import { describe, expect, it } from 'vitest';
import { toSpanId } from '../../model/ids.js';
import { normalize } from '../../pipeline/normalize.js';
import type { ExportRecord } from '../../model/records.js';
import { jsonSpanEncoding } from './json-span-encoder.js';
import { protobufSpanEncoding } from './protobuf-span-encoder.js';
import { TurnBudget } from '../../runtime/turn-budget.js';
import { LONE_TRACE_MESSAGE, TraceAssembler } from './trace-assembler.js';

function record(kind: string, message: Record<string, unknown>): ExportRecord {
  const result = normalize({ kind, message, acceptedAt: Date.now(), context: undefined, bytes: 0, epoch: 0 }, 1);
  if (!result.ok) throw new Error(`invalid test record: ${JSON.stringify(result)}`);
  return result.record;
}

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
const SOURCE = {
  serviceName: 'svc',
  sdkVersion: '0.0.0',
  environment: undefined,
  release: undefined,
  scope: { name: 'test', version: '0' },
};
const ENCODINGS = {
  json: { encoding: jsonSpanEncoding(SOURCE), decode: (body: Buffer) => JSON.parse(body.toString('utf8')) },
  protobuf: { encoding: protobufSpanEncoding(SOURCE), decode: decodeOtlpProtobuf },
};
type Encoding = keyof typeof ENCODINGS;
const attr = (span: Span, key: string) => {
  const a = span.attributes.find((x) => x.key === key);
  return a === undefined ? undefined : Object.values(a.value)[0];
};

describe.each(Object.keys(ENCODINGS) as Encoding[])('TraceAssembler (%s)', (name) => {
  const { encoding, decode } = ENCODINGS[name];
  /** The spans written for `records`, decoded, and the records refused. */
  const write = async (a: TraceAssembler, records: ExportRecord[]) => {
    const encoder = encoding.create(0);
    const invalid = await a.spans(records, encoder);
    const body = decode(encoder.finish()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans?: Span[] }> }> };
    return { spans: body.resourceSpans[0]!.scopeSpans[0]!.spans ?? [], invalid };
  };

  it("keeps a batch's trace fields while another batch encodes between its slices and fills the memory", async () => {
    // Capacity 2: every new trace rotates the memory, so batch B evicts X while batch A waits between slices.
    const a = new TraceAssembler({ capacity: 2, holdMs: 100 });
    const encode = async (records: ExportRecord[]) => {
      const encoder = encoding.create(0);
      const invalid = await a.spans(records, encoder, new TurnBudget(0));
      const body = decode(encoder.finish()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans?: Span[] }> }> };
      return { spans: body.resourceSpans[0]!.scopeSpans[0]!.spans ?? [], invalid };
    };
    const batchA = [record('trace', { id: 'x', name: 'kept' }), record('span', { traceId: 'x', id: 'xr' })];
    const batchB = ['y1', 'y2', 'y3', 'y4'].map((id) => record('span', { traceId: id, id: `${id}r` }));
    const [first] = await Promise.all([encode(batchA), encode(batchB)]);
    expect(first.invalid).toEqual([]);
    expect(first.spans).toHaveLength(1);
    expect(attr(first.spans[0]!, 'langfuse.trace.name')).toBe('kept');
  });

  it('gives children ahead of their root the trace fields even when the batch holds more traces than the memory', async () => {
    // Capacity 2: the batch's own roots would rotate the memory twice before the children are looked up.
    const a = new TraceAssembler({ capacity: 2, holdMs: 100 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const children = ids.map((t) => record('span', { traceId: t, id: `${t}c`, parentObservationId: `${t}r` }));
    const roots = ids.map((t) => record('span', { traceId: t, id: `${t}r` }));
    const updates = ids.map((t) => record('trace', { id: t, name: `name-${t}` }));
    const { spans, invalid } = await write(a, [...children, ...roots, ...updates]);
    expect(invalid).toEqual([]);
    expect(spans).toHaveLength(10);
    for (const [i, t] of ids.entries()) {
      expect(attr(spans[i]!, 'langfuse.trace.name')).toBe(`name-${t}`);
      expect(attr(spans[i + 5]!, 'langfuse.trace.name')).toBe(`name-${t}`);
    }
    // The bound is kept again from the next batch on (the memory overfills by at most one batch).
    await write(a, [record('span', { traceId: 'f', id: 'fr' })]);
    expect(a.size).toBeLessThanOrEqual(2);
  });

  it('sends a batch with two updates of one trace and no span of it on the remembered root, once', async () => {
    const a = new TraceAssembler({ capacity: 10, holdMs: 100 });
    await write(a, [record('span', { traceId: 't', id: 'r' })]);
    const { spans, invalid } = await write(a, [
      record('trace', { id: 't', name: 'first' }),
      record('trace', { id: 't', userId: 'u' }),
      record('trace', { id: 'lone', name: 'x' }),
      record('trace', { id: 'lone', userId: 'y' }),
    ]);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.spanId).toBe(toSpanId('r'));
    expect(attr(spans[0]!, 'langfuse.trace.name')).toBe('first');
    expect(attr(spans[0]!, 'user.id')).toBe('u');
    expect(invalid.map((i) => i.message)).toEqual([LONE_TRACE_MESSAGE, LONE_TRACE_MESSAGE]);
  });

  it('puts trace fields on the root span of the same batch', async () => {
    const a = new TraceAssembler({ capacity: 10, holdMs: 100 });
    const { spans, invalid } = await write(a, [
      record('trace', { id: 't', name: 'n', userId: 'u' }),
      record('span', { traceId: 't', id: 'r' }),
    ]);
    expect(invalid).toEqual([]);
    const [root] = spans;
    expect(spans).toHaveLength(1);
    expect(root!.spanId).toBe(toSpanId('r'));
    expect(attr(root!, 'langfuse.trace.name')).toBe('n');
    expect(attr(root!, 'user.id')).toBe('u');
  });

  it('holds a lone trace update until holdMs passes (or a final flush), then refuses it: no carrier span', async () => {
    const a = new TraceAssembler({ capacity: 10, holdMs: 100 });
    const update = record('trace', { id: 't', name: 'n' });
    expect(a.prepare([update], false, 1_000)).toEqual({ ready: [], held: [update] });
    expect(a.prepare([update], false, 1_050).held).toEqual([update]);
    expect(a.prepare([update], false, 1_100).ready).toEqual([update]);
    expect(a.prepare([record('trace', { id: 'x' })], true, 0).held).toEqual([]);
    const { spans, invalid } = await write(a, [update]);
    expect(spans).toEqual([]);
    expect(invalid).toEqual([{ record: update, message: LONE_TRACE_MESSAGE }]);
    // What it said still rides on the trace's spans sent later.
    const [root] = (await write(a, [record('span', { traceId: 't', id: 'r' })])).spans;
    expect(attr(root!, 'langfuse.trace.name')).toBe('n');
  });

  it('does not hold an update whose root is in the batch or already sent', async () => {
    const a = new TraceAssembler({ capacity: 10, holdMs: 100 });
    const root = record('span', { traceId: 't', id: 'r' });
    const update = record('trace', { id: 't', name: 'n' });
    expect(a.prepare([update, root], false, 0).held).toEqual([]);
    await write(a, [root]);
    expect(a.prepare([record('trace', { id: 't', output: 'o' })], false, 0).held).toEqual([]);
  });

  it('re-sends the root (same id, restating every trace field) for a later update', async () => {
    const a = new TraceAssembler({ capacity: 10, holdMs: 100 });
    await write(a, [
      record('trace', { id: 't', name: 'n', input: 'in' }),
      record('span', { traceId: 't', id: 'r', name: 'root', input: 'root-in' }),
    ]);
    const [resent] = (await write(a, [record('trace', { id: 't', output: 'out' })])).spans;
    expect(resent!.spanId).toBe(toSpanId('r'));
    expect(resent!.name).toBe('root');
    expect(attr(resent!, 'langfuse.trace.name')).toBe('n');
    expect(attr(resent!, 'langfuse.trace.input')).toBe('in');
    expect(attr(resent!, 'langfuse.observation.output')).toBe('out'); // the root had none: v4 shows this
    expect(attr(resent!, 'langfuse.trace.output')).toBe('out');
    expect(attr(resent!, 'langfuse.observation.input')).toBe('root-in');
  });

  it('refuses spans with malformed ids instead of sending a request Langfuse would reject whole', async () => {
    const a = new TraceAssembler({ capacity: 10, holdMs: 100 });
    const bad = record('span', { traceId: 't', id: 'ok' });
    (bad as { traceId: string }).traceId = 'not-hex';
    const { spans, invalid } = await write(a, [bad, record('span', { name: 'fine' })]);
    expect(spans).toHaveLength(1);
    expect(invalid.map((i) => i.record)).toEqual([bad]);
  });

  it('remembers at most `capacity` traces', async () => {
    const a = new TraceAssembler({ capacity: 3, holdMs: 100 });
    for (let i = 0; i < 10; i++) await write(a, [record('span', { traceId: `t${i}` })]);
    // Two generations: between half and all of the capacity is remembered.
    expect(a.size).toBeLessThanOrEqual(3);
    expect(a.size).toBeGreaterThanOrEqual(1);
  });

  it('forgets the oldest traces once their payloads pass the byte budget', async () => {
    const a = new TraceAssembler({ capacity: 1_000, holdMs: 100, maxBytes: 50_000 });
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 20; i++)
      await write(a, [record('trace', { id: `t${i}`, input: big }), record('span', { traceId: `t${i}`, id: `r${i}` })]);
    expect(a.size).toBeLessThanOrEqual(5);
    expect(a.size).toBeGreaterThanOrEqual(1);
    // A forgotten trace's late update has nothing to ride on; a remembered one re-sends its root.
    const late = await write(a, [record('trace', { id: 't0', output: 'o' })]);
    expect(late.spans).toEqual([]);
    expect(late.invalid).toHaveLength(1);
    const [recent] = (await write(a, [record('trace', { id: 't19', output: 'o' })])).spans;
    expect(recent!.spanId).toBe(toSpanId('r19'));
    expect(attr(recent!, 'langfuse.trace.input')).toBe(big);
  });
});
