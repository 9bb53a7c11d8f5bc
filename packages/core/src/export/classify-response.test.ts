import { describe, expect, it } from 'vitest';
import type { ExportRequest } from '../seams/delivery.js';
import { classifyResponse, serverMessage } from './classify-response.js';

const request: ExportRequest = {
  id: 'r',
  endpoint: 'otlp',
  path: '/api/public/otel/v1/traces',
  contentType: 'application/json',
  body: '{}',
  eventIds: ['a'],
};
const answer = (status: number, body: string) =>
  classifyResponse(request, { ok: true, status, retryAfter: undefined, body } as never);

describe('a refusal keeps the server message', () => {
  it('JSON message, plain text, nothing', () => {
    expect(answer(400, '{"message":"traceId must be 32 hex"}')).toMatchObject({
      kind: 'rejected',
      status: 400,
      message: expect.stringContaining('Langfuse said: traceId must be 32 hex'),
    });
    expect(answer(422, 'bad\n  span')).toMatchObject({ message: expect.stringContaining('Langfuse said: bad span') });
    expect(answer(403, '')).toMatchObject({ kind: 'rejected', message: expect.not.stringContaining('said') });
  });

  it('retryable answers are unchanged, long messages are cut', () => {
    expect(answer(503, '{"message":"busy"}')).toMatchObject({ kind: 'retryable', message: 'Langfuse answered 503' });
    expect(serverMessage('x'.repeat(2000))!.length).toBeLessThan(510);
    expect(serverMessage('{"error":{"code":1}}')).toBe('{"code":1}');
  });
});
