import { describe, expect, it, vi } from 'vitest';
import { withTracing } from './with-tracing.js';

// No client in this process (its own fork): the handler runs as if unwrapped.
describe('withTracing without a running client', () => {
  it('returns exactly what the handler returns, streams and errors included', async () => {
    const response = new Response(new ReadableStream());
    const handler = vi.fn(async (_req: Request) => response);
    expect(await withTracing(handler)(new Request('http://localhost/x'))).toBe(response);
    expect(handler).toHaveBeenCalledOnce();
    const boom = new Error('x');
    await expect(
      withTracing(async (_req: Request) => {
        throw boom;
      })(new Request('http://localhost/x')),
    ).rejects.toBe(boom);
  });
});
