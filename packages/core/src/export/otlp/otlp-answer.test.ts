import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('an OTLP/protobuf answer (read byte for byte) is read the same way', () => {
    // ExportTraceServiceResponse { partial_success: { rejected_spans: 2, error_message: "too old" } }
    const message = Buffer.from('too old');
    const inner = Buffer.concat([Buffer.from([0x08, 0x02, 0x12, message.length]), message]);
    const body = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]).toString('latin1');
    expect(readOtlpAnswer(200, body, ids)).toMatchObject({
      kind: 'partially_rejected',
      rejected: 2,
      message: expect.stringContaining('rejected 2 of 3 spans without naming them: too old'),
    });
    // 300 rejected: a two-byte varint.
    const big = Buffer.from([0x0a, 0x03, 0x08, 0xac, 0x02]).toString('latin1');
    expect(readOtlpAnswer(200, big, ids)).toMatchObject({ kind: 'rejected', message: expect.stringContaining('300') });
    expect(readOtlpAnswer(200, '', ids)).toEqual({ kind: 'delivered' });
    expect(readOtlpAnswer(200, Buffer.from([0x0a, 0x09, 0x08]).toString('latin1'), ids)).toEqual({ kind: 'delivered' });
    expect(readOtlpAnswer(200, Buffer.from([0x0a, 0x00]).toString('latin1'), ids)).toEqual({ kind: 'delivered' });
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

  it('an OTLP/protobuf receiver answering partialSuccess in protobuf: read over real HTTP, counted the same', async () => {
    // ExportTraceServiceResponse { partial_success: { rejected_spans: 1, error_message: "span too old …" } }
    // A message over 127 bytes: its lengths are two-byte varints (bytes ≥ 0x80, which UTF-8 would mangle).
    const text = Buffer.from(`span too old ${'(older than the retention window) '.repeat(5)}`);
    const varint = (n: number) => (n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7]);
    const inner = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, ...varint(text.length)]), text]);
    const answer = Buffer.concat([Buffer.from([0x0a, ...varint(inner.length)]), inner]);
    const types: string[] = [];
    const receiver = createServer((req, res) => {
      types.push(String(req.headers['content-type']));
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(answer));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      const { client } = startClient({ url, publicKey: 'pk-lf-test', secretKey: 'sk-lf-test' }, { flushAt: 4 });
      for (let i = 0; i < 4; i++) publish('span', { name: `p${i}` });
      const stats = await client.flush();
      expect(types).toEqual(['application/x-protobuf']);
      expect(stats).toMatchObject({ delivered: 3, retries: 0 });
      expect(stats.dropped.rejected_unattributed).toBe(1);
      expect(client.deadLetters()[0]?.message).toMatch(/rejected 1 of 4 spans without naming them: span too old/);
      expectBalanced(stats);
    } finally {
      await stopClient();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
