import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, stopHarness } from './test-support.js';
import { withTracing } from './with-tracing.js';

// App Router and Pages Router wrappers continue a caller's W3C trace by default.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));
beforeEach(() => h.server.reset());

const request = (traceparent?: string) =>
  new Request('http://localhost/api/thing', { headers: traceparent === undefined ? {} : { traceparent } });

describe('withTracing: W3C traceparent', () => {
  it('continues the caller trace under its span, marked as this app root; the caller names the trace', async () => {
    const handler = withTracing(async (_req: Request) => new Response('ok'), { name: 'thing' });
    await ((await handler(request(`00-${TRACE}-${PARENT}-01`))) as Response).text();
    await h.client.flush();
    await h.server.waitFor((r) => r.trace(TRACE) !== undefined);
    const shown = h.server.received.trace(TRACE)!;
    expect(shown.observations).toHaveLength(1);
    expect(shown.observations[0]).toMatchObject({ name: 'thing', parentId: PARENT, isAppRoot: true });
    expect(shown.observations[0]!.traceName).toBeUndefined();
  });

  it('a malformed header starts a new trace; continueTrace: false ignores a good one', async () => {
    const bad = (await withTracing(async (_req: Request) => new Response('ok'))(request('00-nope-01'))) as Response;
    const off = withTracing(async (_req: Request) => new Response('ok'), { continueTrace: false });
    const ignored = (await off(request(`00-${TRACE}-${PARENT}-01`))) as Response;
    await Promise.all([bad.text(), ignored.text()]);
    await h.client.flush();
    await h.server.waitFor((r) => r.traces().length >= 2);
    const traces = h.server.received.traces();
    expect(traces).toHaveLength(2);
    for (const t of traces) {
      expect(t.id).not.toBe(TRACE);
      expect(t.roots[0]!.parentId).toBeUndefined();
    }
  });

  it('rejects a non-boolean continueTrace at wrap time', () => {
    expect(() => withTracing(() => {}, { continueTrace: 'yes' as never })).toThrow(/continueTrace/);
  });
});
