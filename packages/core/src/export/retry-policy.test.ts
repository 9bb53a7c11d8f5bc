import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyError, classifyStatus, parseRetryAfter, retryDelay } from './retry-policy.js';

describe('classifyStatus', () => {
  it('takes every 2xx (207 included) as success', () => {
    for (const status of [200, 201, 202, 204, 207]) expect(classifyStatus(status, undefined).kind).toBe('success');
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
    expect(c).toMatchObject({ kind: 'failure', status, code: `HTTP_${status}` });
    expect(c.kind === 'failure' && c.message).toContain(hint);
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

describe('classifyError', () => {
  it('retries timeouts and aborts', () => {
    expect(classifyError(new DOMException('t', 'TimeoutError'))).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
    expect(classifyError(Object.assign(new Error('a'), { name: 'AbortError' }))).toMatchObject({ code: 'TIMEOUT' });
  });
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET'])('retries %s', (code) => {
    expect(classifyError(Object.assign(new Error('x'), { code }))).toMatchObject({ kind: 'retryable', code });
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
  it('grows exponentially with equal jitter and a cap', () => {
    const lo = { initialMs: 100, maxMs: 1000, random: () => 0 };
    const hi = { initialMs: 100, maxMs: 1000, random: () => 0.999999 };
    expect(backoffDelay(1, lo)).toBe(50);
    expect(backoffDelay(1, hi)).toBeLessThan(100);
    expect(backoffDelay(2, lo)).toBe(100);
    expect(backoffDelay(3, lo)).toBe(200);
    expect(backoffDelay(10, lo)).toBe(500);
    expect(backoffDelay(10, hi)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(1000, lo)).toBe(500);
  });

  it('never waits less than Retry-After asks', () => {
    const opts = { initialMs: 100, maxMs: 1000, random: () => 0.5 };
    expect(retryDelay(1, 5000, opts)).toBe(5000);
    expect(retryDelay(1, 10, opts)).toBe(backoffDelay(1, opts));
    expect(retryDelay(1, undefined, opts)).toBe(backoffDelay(1, opts));
  });
});
