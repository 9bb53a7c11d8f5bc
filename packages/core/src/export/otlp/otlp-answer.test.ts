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

  it('some rejected, none named → split and re-send (too_large), so the rejected ones end up alone', () => {
    expect(readOtlpAnswer(200, '{"partialSuccess":{"rejectedSpans":1}}', ids)).toEqual({ kind: 'too_large' });
  });
});

describe('an OTLP 200 with partialSuccess is not "delivered" for the rejected spans', () => {
  let server: LangfuseTestServer;
  afterEach(async () => {
    await stopClient();
    server.reset();
  });
  afterAll(() => server.close());

  it('a collector that rejects one span of every request: each span is settled by its own answer', async () => {
    server ??= await startLangfuseServer();
    const { client } = startClient(server, { flushAt: 4, flushIntervalMs: 60_000 });
    // Every request answered "1 span rejected": halves until each span is alone, then each is refused.
    server.script({ endpoint: 'otlp', status: 200, body: '{"partialSuccess":{"rejectedSpans":"1"}}', times: Infinity });
    for (let i = 0; i < 4; i++) publish('span', { name: `s${i}` });
    const stats = await client.flush();
    expect(stats.delivered).toBe(0);
    expect(stats.dropped.non_retryable).toBe(4);
    expect(client.deadLetters().map((d) => d.message)).toEqual(
      Array(4).fill(expect.stringContaining('rejected 1 of 1')),
    );
    expectBalanced(stats);
  });

  it('a one-off partial rejection: the re-sent halves are stored once each and counted delivered', async () => {
    server ??= await startLangfuseServer();
    const { client } = startClient(server, { flushAt: 4, flushIntervalMs: 60_000 });
    server.script({ endpoint: 'otlp', status: 200, body: '{"partialSuccess":{"rejectedSpans":2}}' });
    for (let i = 0; i < 4; i++) publish('span', { name: `s${i}` });
    const stats = await client.flush();
    expect(stats.delivered).toBe(4);
    expect(server.received.uniqueSpanCount).toBe(4);
    expect(server.received.duplicates().spans).toBe(0);
    expectBalanced(stats);
  });
});
