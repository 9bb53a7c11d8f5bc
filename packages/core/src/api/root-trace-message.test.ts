import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Transport } from '../runtime/options.js';
import { startClient, stopClient } from '../test-helpers.js';
import { instrument } from './instrument.js';
import { withTrace } from './trace-context.js';

// A root observation names an unnamed trace it created. Over OTLP Langfuse does that itself from
// the root span (PROTOCOL.md §3: name = latest langfuse.trace.name, else the root's span name;
// timestamp = earliest span start), so no trace message is sent just for that: one event per
// root instead of two. The batch API has no such rule: there the trace-create still names it.
let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => stopClient());

const run = async (transport: Transport, body: () => Promise<unknown>) => {
  const { client } = startClient(server, { transport });
  await body();
  return client.shutdown(5_000);
};

it('over OTLP, a lone root with no trace fields is one event; Langfuse names and dates the trace from it', async () => {
  const before = Date.now();
  const stats = await run('otlp', () => instrument('span', { name: 'lonely-root' }, async () => 1));
  expect(stats).toMatchObject({ enqueued: 1, delivered: 1 });
  const [span] = server.received.spans;
  expect(span!.attributes['langfuse.trace.name']).toBeUndefined();
  const [trace] = server.received.traces();
  expect(trace).toMatchObject({ name: 'lonely-root' });
  expect(trace!.timestamp).toBeGreaterThanOrEqual(before - 1);
});

it('over OTLP, a root with trace fields still carries the trace name beside them', async () => {
  const stats = await run('otlp', () =>
    instrument('span', { name: 'named-root', trace: { userId: 'u-1' } }, async () => 1),
  );
  expect(stats).toMatchObject({ enqueued: 2, delivered: 2 });
  const [span] = server.received.spans;
  expect(span!.attributes).toMatchObject({ 'langfuse.trace.name': 'named-root', 'user.id': 'u-1' });
  expect(server.received.traces()[0]).toMatchObject({ name: 'named-root', userId: 'u-1' });
});

it('over OTLP, a withTrace block with two roots is named after the first root to end, as before', async () => {
  await run('otlp', () =>
    withTrace({}, async () => {
      await instrument('span', { name: 'first' }, async () => 1);
      await instrument('span', { name: 'second' }, async () => 2);
    }),
  );
  expect(server.received.traces()[0]).toMatchObject({ name: 'first' });
});

it('over the batch API, the trace-create still names a lone root’s trace', async () => {
  await run('ingestion', () => instrument('span', { name: 'lonely-root' }, async () => 1));
  const creates = server.received.events.filter((e) => e.type === 'trace-create');
  expect(creates.map((e) => e.body.name)).toEqual(['lonely-root']);
  expect(server.received.traces()[0]).toMatchObject({ name: 'lonely-root' });
});
