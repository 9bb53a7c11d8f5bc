import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectBalanced, publish, startClient, stopClient } from '../../test-helpers.js';
import { readOtlpAnswer } from './otlp-answer.js';

const ids = ['a', 'b', 'c'];

describe('readOtlpAnswer', () => {
  it('a plain 200 (Langfuse) is delivered; so is a body it cannot read', () => {
    expect(readOtlpAnswer(200, '{}', ids)).toEqual({ kind: 'delivered' });
    expect(readOtlpAnswer(200, '{"partialSuccess":{"rejectedSpans":"0"}}', ids)).toEqual({ kind: 'delivered' });
    expect(readOtlpAnswer(200, '{"rejectedSpans": trunc', ids)).toEqual({ kind: 'delivered' });
    expect(readOtlpAnswer(200, 'null', ids)).toEqual({ kind: 'delivered' });
  });

  it('all spans rejected (number or int64 string) → rejected, with the server message', () => {
    expect(readOtlpAnswer(200, '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad"}}', ids)).toMatchObject({
      kind: 'rejected',
      code: 'OTLP_REJECTED_SPANS',
      message: expect.stringContaining('rejected 3 of 3 spans: bad'),
    });
    expect(readOtlpAnswer(200, '{"partialSuccess":{"rejectedSpans":1}}', ['a']).kind).toBe('rejected');
  });

  it('some rejected, none named → partially_rejected with the count (never delivered, never retried)', () => {
    expect(readOtlpAnswer(200, '{"partialSuccess":{"rejectedSpans":1,"errorMessage":"too old"}}', ids)).toEqual({
      kind: 'partially_rejected',
      rejected: 1,
      code: 'OTLP_PARTIAL_SUCCESS',
      status: 200,
      message: expect.stringContaining('rejected 1 of 3 spans without naming them: too old'),
    });
  });

  it('trace records make no span of their own: 2 of 2 spans rejected is all of them', () => {
    expect(readOtlpAnswer(200, '{"partialSuccess":{"rejectedSpans":2}}', ['trace-t-1', 'a', 'b']).kind).toBe(
      'rejected',
    );
  });
});

describe('an OTLP 200 with partialSuccess is not "delivered" for the rejected spans', () => {
  let server: LangfuseTestServer;
  afterEach(async () => {
    await stopClient();
    server.reset();
  });
  afterAll(() => server.close());

  it('1 of 4 rejected: 3 delivered, 1 dropped rejected_unattributed and dead-lettered as a stand-in, no retry, logged once', async () => {
    server ??= await startLangfuseServer();
    const { client, logger } = startClient(server, { flushAt: 4, flushIntervalMs: 60_000 });
    server.script({ endpoint: 'otlp', status: 200, body: '{"partialSuccess":{"rejectedSpans":"1"}}', times: 2 });
    for (let i = 0; i < 4; i++) publish('span', { name: `s${i}` });
    let stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 3, requests: 1, retries: 0 });
    expect(stats.dropped.rejected_unattributed).toBe(1);
    expect(stats.dropped.non_retryable).toBe(0);
    expect(stats.lastError?.code).toBe('OTLP_PARTIAL_SUCCESS');
    const [dead] = client.deadLetters();
    expect(dead).toMatchObject({ reason: 'rejected_unattributed', status: 200 });
    expect(dead?.message).toMatch(/rejected 1 of 4 spans without naming them.*stand-ins/);
    expectBalanced(stats);
    for (let i = 0; i < 4; i++) publish('span', { name: `t${i}` });
    stats = await client.flush();
    expect(stats).toMatchObject({ delivered: 6, requests: 2, retries: 0 });
    expect(stats.dropped.rejected_unattributed).toBe(2);
    expect(logger.lines.filter((l) => l.obj.cause === 'OTLP_PARTIAL_SUCCESS')).toHaveLength(1);
  });
});
