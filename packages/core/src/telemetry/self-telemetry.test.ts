import dc from 'node:diagnostics_channel';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFusewire, type DropMessage, type ExportMessage, type Fusewire, type RecordMessage } from '../index.js';
import { SELF_TELEMETRY_CHANNELS } from './self-telemetry.js';

let langfuse: LangfuseTestServer;
let fusewire: Fusewire;
const seen = { export: [] as ExportMessage[], drop: [] as DropMessage[], record: [] as RecordMessage[] };
const listeners = {
  export: (m: unknown) => seen.export.push(m as ExportMessage),
  drop: (m: unknown) => seen.drop.push(m as DropMessage),
  record: (m: unknown) => seen.record.push(m as RecordMessage),
};

beforeAll(async () => {
  langfuse = await startLangfuseServer();
  fusewire = createFusewire({
    baseUrl: langfuse.url,
    publicKey: langfuse.publicKey,
    secretKey: langfuse.secretKey,
    flushIntervalMs: 50,
    maxRetryElapsedMs: 20_000,
    flushOnExit: false,
    logger: { error() {}, warn() {}, info() {}, debug() {} },
  });
  for (const key of ['export', 'drop', 'record'] as const) dc.subscribe(SELF_TELEMETRY_CHANNELS[key], listeners[key]);
});
afterAll(async () => {
  for (const key of ['export', 'drop', 'record'] as const) dc.unsubscribe(SELF_TELEMETRY_CHANNELS[key], listeners[key]);
  await fusewire.shutdown();
  await langfuse.close();
});

describe('self-telemetry channels', () => {
  it('publishes each export attempt, each settled record and each drop', async () => {
    const start = Date.now() - 1000;
    langfuse.script({ endpoint: 'otlp', status: 503, times: 1 });
    dc.channel('langfuse.generation').publish({
      name: 'chat',
      model: 'gpt-4o',
      startTime: start,
      completionStartTime: start + 100,
      endTime: start + 400,
      usageDetails: { input: 3, output: 4 },
      costDetails: { total: 0.01 },
    });
    dc.channel('langfuse.span').publish({ name: 'broken', startTime: 'yesterday' });
    await fusewire.flush();

    const [failed, ok] = seen.export.filter((m) => m.endpoint === 'otlp');
    expect(failed).toMatchObject({ outcome: 'retryable', status: 503, events: 1, attempt: 1 });
    expect(ok).toMatchObject({ outcome: 'delivered', events: 1, attempt: 2 });
    expect(ok!.bytes).toBeGreaterThan(100);
    expect(ok!.durationMs).toBeGreaterThanOrEqual(0);

    expect(seen.record).toContainEqual({
      kind: 'generation',
      outcome: 'delivered',
      model: 'gpt-4o',
      startTime: start,
      completionStartTime: start + 100,
      endTime: start + 400,
      usageDetails: { input: 3, output: 4 },
      costDetails: { total: 0.01 },
    });
    expect(seen.drop).toContainEqual({ reason: 'invalid', count: 1 });
    expect(seen.record).toContainEqual({ kind: 'unknown', outcome: 'invalid' });
  });
});
