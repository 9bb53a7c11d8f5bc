import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../model/records.js';
import { normalize } from '../../pipeline/normalize.js';
import { TraceMemory } from './trace-memory.js';
import { mergeTrace, type TraceState } from './trace-state.js';

function update(message: Record<string, unknown>): TraceRecord {
  const result = normalize(
    {
      kind: 'trace',
      message: { id: 'a'.repeat(32), ...message },
      acceptedAt: 1,
      context: undefined,
      bytes: 0,
      epoch: 0,
    },
    1,
  );
  if (!result.ok || result.record.kind !== 'trace') throw new Error(`invalid test record: ${JSON.stringify(result)}`);
  return result.record;
}

function merged(...messages: Array<Record<string, unknown>>): TraceState {
  const state: TraceState = { raw: 0, timestamp: Number.POSITIVE_INFINITY, bytes: 0, generation: 0 };
  for (const m of messages) mergeTrace(state, update(m));
  return state;
}

const metadata = (state: TraceState) => (state.metadataText === undefined ? undefined : JSON.parse(state.metadataText));

describe('mergeTrace', () => {
  it('sends one object update as it is, and merges later updates into it key by key', () => {
    expect(metadata(merged({ metadata: { a: 1, nested: { b: [1, 'x'] } } }))).toEqual({
      a: 1,
      nested: { b: [1, 'x'] },
    });
    const state = merged({ metadata: { a: 1, b: 1 } }, { metadata: { b: 2, c: 3 } }, { metadata: { c: 4 } });
    expect(metadata(state)).toEqual({ a: 1, b: 2, c: 4 });
  });

  it('wraps metadata that is not an object, before or after an object', () => {
    expect(metadata(merged({ metadata: 'plain' }))).toEqual({ value: 'plain' });
    expect(metadata(merged({ metadata: 'plain' }, { metadata: { a: 1 } }))).toEqual({ value: 'plain', a: 1 });
    expect(metadata(merged({ metadata: { a: 1 } }, { metadata: [1, 2] }))).toEqual({ a: 1, value: [1, 2] });
    expect(metadata(merged({ metadata: { a: 1 } }, { metadata: null }))).toEqual({ a: 1 });
  });

  it('keeps tags once each, in first-seen order, within one update and across updates', () => {
    expect(merged({ tags: ['a', 'b', 'a', 'c', 'b'] }).tags).toEqual(['a', 'b', 'c']);
    expect(merged({ tags: ['a', 'b'] }, { tags: ['c', 'a'] }, { tags: ['d'] }).tags).toEqual(['a', 'b', 'c', 'd']);
    const many = Array.from({ length: 40 }, (_, i) => `t${i % 25}`);
    expect(merged({ tags: many }).tags).toEqual(Array.from({ length: 25 }, (_, i) => `t${i}`));
  });

  it('does not change an update that is merged again (a retried batch)', () => {
    const first = update({ tags: ['a'], metadata: { a: 1 } });
    const state: TraceState = { raw: 0, timestamp: 1, bytes: 0, generation: 0 };
    mergeTrace(state, first);
    mergeTrace(state, update({ tags: ['b'], metadata: { b: 2 } }));
    mergeTrace(state, first);
    expect(first.fields.tags).toEqual(['a']);
    expect(first.fields.metadata).toBe('{"a":1}');
    expect(state.tags).toEqual(['a', 'b']);
    expect(metadata(state)).toEqual({ a: 1, b: 2 });
  });
});

describe('newTraceState', () => {
  it('has every field from the start: merging updates and exporting add no property to a state', () => {
    const state = new TraceMemory(8, 1e6).obtain('a'.repeat(32), 1);
    const fresh = Object.keys(state).sort();
    const full = {
      name: 'n',
      userId: 'u',
      sessionId: 's',
      input: { q: 1 },
      output: 'o',
      public: true,
      release: 'r',
      version: 'v',
      environment: 'e',
      tags: ['a'],
      metadata: { a: 1 },
    };
    mergeTrace(state, update(full));
    mergeTrace(state, update({ tags: ['b'], metadata: { b: 2 } }));
    // What the exporters write on a state.
    Object.assign(state, { text: 't', proto: new Uint8Array(1), lastEnvelopeTime: 2, anchor: undefined });
    expect(state.metadata).toEqual({ a: 1, b: 2 });
    expect(Object.keys(state).sort()).toEqual(fresh);
  });
});
