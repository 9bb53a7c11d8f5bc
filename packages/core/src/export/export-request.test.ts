import { describe, expect, it } from 'vitest';
import type { ExportRecord } from '../model/records.js';
import { normalize } from '../pipeline/normalize.js';
import { assembleRequest, recordsNamed } from './export-request.js';
import { OtlpExporter } from './otlp/otlp-exporter.js';

function record(kind: string, message: Record<string, unknown>): ExportRecord {
  const result = normalize({ kind, message, acceptedAt: 1_700_000_000_000, context: undefined, bytes: 0, epoch: 0 }, 1);
  if (!result.ok) throw new Error(`invalid test record: ${JSON.stringify(result)}`);
  return result.record;
}

const exporter = () =>
  new OtlpExporter({ sdkVersion: '0', serviceName: 'svc', environment: undefined, release: undefined, holdMs: 0 });

describe('assembleRequest', () => {
  it('names every record by its event id, and an answer naming an id finds every record behind it', async () => {
    const first = record('trace', { id: 't', name: 'a' });
    const second = record('trace', { id: 't', userId: 'u' }); // the same millisecond: the same event id
    const root = record('span', { traceId: 't', id: 'r' });
    const assembled = await assembleRequest(exporter(), [first, second, root], () => {
      throw new Error('nothing here is invalid');
    });
    expect(assembled).toBeDefined();
    const { request } = assembled!;
    expect(request.eventIds).toHaveLength(3);
    expect(request.eventIds[0]).toBe(request.eventIds[1]);
    expect(recordsNamed(assembled!, [request.eventIds[0]!])).toEqual([first, second]);
    expect(recordsNamed(assembled!, [request.eventIds[2]!, 'unknown'])).toEqual([root]);
    expect(recordsNamed(assembled!, [])).toEqual([]);
  });

  it('gives the same events the same request id, and other events another', async () => {
    const records = () => [record('span', { traceId: 't', id: 'r' }), record('span', { traceId: 't', id: 'c' })];
    const noInvalid = () => {};
    const a = await assembleRequest(exporter(), records(), noInvalid);
    const b = await assembleRequest(exporter(), records(), noInvalid);
    const c = await assembleRequest(exporter(), records().slice(0, 1), noInvalid);
    expect(a!.request.id).toMatch(/^[0-9a-f]{32}$/);
    expect(b!.request.id).toBe(a!.request.id);
    expect(c!.request.id).not.toBe(a!.request.id);
  });
});
