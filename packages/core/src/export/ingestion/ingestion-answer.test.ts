import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, describe, expect, it } from 'vitest';
import { expectBalanced, publish, startClient, stopClient } from '../../test-helpers.js';
import { readIngestionAnswer, refusalCode } from './ingestion-answer.js';

const ids = ['e1', 'e2', 'e3'];

describe('readIngestionAnswer: odd 207 bodies never throw or refuse what was stored', () => {
  it.each([
    ['null entry', '{"successes":[],"errors":[null]}'],
    ['entry without id', '{"errors":[{"status":400}]}'],
    ['foreign id', '{"errors":[{"id":"other","status":400}]}'],
    ['errors not a list', '{"errors":{"id":"e1"}}'],
    ['null body', 'null'],
    ['cut body', '{"errors":[{"id":"e1","sta'],
  ])('%s → delivered', (_what, body) => {
    expect(readIngestionAnswer(207, body, ids)).toEqual({ kind: 'delivered' });
  });

  it('a null among real entries: the named ones fail, the rest are delivered; a string status reads as a number', () => {
    const result = readIngestionAnswer(207, '{"errors":[null,{"id":"e2","status":"400","message":"bad"},7]}', ids);
    expect(result).toEqual({
      kind: 'partial',
      delivered: ['e1', 'e3'],
      rejected: [{ id: 'e2', status: 400, message: 'Langfuse refused the event (400): bad' }],
      retry: [],
    });
  });

  it('"Event type not accepted" carries the hint to use OTLP and a cause of its own', () => {
    const result = readIngestionAnswer(
      207,
      '{"errors":[{"id":"e1","status":400,"message":"Event type not accepted"}]}',
      ids,
    );
    if (result.kind !== 'partial') throw new Error(result.kind);
    expect(result.rejected[0]!.message).toContain("use transport: 'otlp'");
    expect(refusalCode(result.rejected[0]!)).toBe('EVENT_TYPE_NOT_ACCEPTED');
  });
});

describe('a v4 server refusing the batch API', () => {
  let server: LangfuseTestServer;
  afterAll(async () => {
    await stopClient();
    await server.close();
  });

  it('dead-letters with the reason, logs once with the hint; scores still go through', async () => {
    server = await startLangfuseServer({ ingestionMode: 'v4' });
    const { client, logger } = startClient(server, { transport: 'ingestion' });
    for (let i = 0; i < 3; i++) publish('span', { name: `s${i}` });
    publish('score', { traceId: 't', name: 'q', value: 1 });
    const stats = await client.flush();
    expect(stats.dropped.non_retryable).toBe(3);
    expect(stats.delivered).toBe(1);
    for (const d of client.deadLetters()) expect(d.message).toContain('Event type not accepted');
    const lines = logger.lines.filter((l) => l.msg.includes("use transport: 'otlp'"));
    expect(lines).toHaveLength(1);
    expectBalanced(stats);
  });
});
