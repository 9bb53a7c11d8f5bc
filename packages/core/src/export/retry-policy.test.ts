import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyError, classifyRedirect, classifyStatus, parseRetryAfter } from './retry-policy.js';

describe('classifyStatus', () => {
  it('takes every 2xx (207 included) as delivered', () => {
    for (const status of [200, 201, 202, 204, 207]) expect(classifyStatus(status, undefined).kind).toBe('delivered');
  });

  it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(classifyStatus(status, undefined)).toMatchObject({ kind: 'retryable', code: `HTTP_${status}` });
  });

  it.each([
    [400, 'malformed'],
    [401, 'LANGFUSE_PUBLIC_KEY'],
    [403, 'not allowed'],
    [404, 'baseUrl'],
    [422, 'not retried'],
    [405, 'not retried'],
  ])('does not retry %i and gives a hint', (status, hint) => {
    const c = classifyStatus(status, undefined);
    expect(c).toMatchObject({ kind: 'rejected', status, code: `HTTP_${status}` });
    expect(c.kind === 'rejected' && c.message).toContain(hint);
  });

  it('splits on 413', () => {
    expect(classifyStatus(413, undefined).kind).toBe('too_large');
  });

  it('reads Retry-After on retryable answers', () => {
    expect(classifyStatus(429, '3')).toMatchObject({ kind: 'retryable', retryAfterMs: 3000 });
    expect(classifyStatus(503, undefined)).not.toHaveProperty('retryAfterMs');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds, fractional too', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
  });
  it('reads an HTTP-date, and a past date as no wait', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    // V8's lenient Date.parse reads '-5' as a date in the past: no extra wait either way.
    expect(parseRetryAfter('-5', now) ?? 0).toBe(0);
  });
});

describe('classifyRedirect', () => {
  it.each([301, 302, 307, 308])('never follows %i and names the target (without its query)', (status) => {
    const c = classifyRedirect(status, 'https://eu.langfuse.example/api/public/otel/v1/traces?token=abc');
    expect(c).toMatchObject({ kind: 'rejected', status, code: `HTTP_${status}` });
    const message = c.kind === 'rejected' ? c.message : '';
    expect(message).toContain('https://eu.langfuse.example/api/public/otel/v1/traces');
    expect(message).toContain('baseUrl');
    expect(message).not.toContain('token');
  });
  it('says so when Location is missing, and keeps a relative one as a path', () => {
    expect(classifyRedirect(301, undefined)).toMatchObject({ message: expect.stringContaining('no Location') });
    expect(classifyRedirect(308, '/v2/ingest')).toMatchObject({ message: expect.stringContaining('to /v2/ingest;') });
  });
});

describe('classifyError', () => {
  it('retries timeouts and aborts, saying the request may have arrived', () => {
    expect(classifyError(new DOMException('t', 'TimeoutError'))).toMatchObject({
      kind: 'retryable',
      code: 'TIMEOUT',
      mayHaveArrived: true,
    });
    expect(classifyError(Object.assign(new Error('a'), { name: 'AbortError' }))).toMatchObject({
      code: 'ABORTED',
      mayHaveArrived: true,
    });
  });
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET'])('retries %s', (code) => {
    expect(classifyError(Object.assign(new Error('x'), { code }))).toMatchObject({ kind: 'retryable', code });
  });
  it('knows a refused connection never reached the server, a reset one may have', () => {
    expect(classifyError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).not.toHaveProperty('mayHaveArrived');
    expect(classifyError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toMatchObject({
      mayHaveArrived: true,
    });
  });
  it('looks into error.cause and survives non-Error throws', () => {
    expect(classifyError({ message: 'fetch failed', cause: { code: 'ECONNRESET' } })).toMatchObject({
      code: 'ECONNRESET',
    });
    expect(classifyError('weird').kind).toBe('retryable');
    expect(classifyError(undefined).kind).toBe('retryable');
  });
});

describe('backoff', () => {
  it('grows exponentially from 500 ms with equal jitter and a 30 s cap', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    expect(backoffDelay(1, lo)).toBe(250);
    expect(backoffDelay(1, hi)).toBeLessThan(500);
    expect(backoffDelay(2, lo)).toBe(500);
    expect(backoffDelay(3, lo)).toBe(1000);
    expect(backoffDelay(10, lo)).toBe(15_000);
    expect(backoffDelay(10, hi)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(1000, lo)).toBe(15_000);
  });
});
