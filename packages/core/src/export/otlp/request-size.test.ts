import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectBalanced, publish, startClient, stopClient } from '../../test-helpers.js';

// Request bodies are measured as sent (UTF-8, JSON escaping included), not estimated from characters.
let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
afterEach(async () => {
  await stopClient();
  server.reset();
});

const LIMIT = 64 * 1024;
// Each: few characters, many bytes on the wire.
const SHAPES = {
  emoji: '😀'.repeat(2_000), // 4 bytes per 2 UTF-16 units
  cjk: '漢'.repeat(4_000), // 3 bytes per char
  escapes: '"\\\n'.repeat(2_000), // escaped twice: in the payload text, then in the attribute
  control: '\u0001'.repeat(1_500), // \u0001 → 6 bytes, then escaped again
};

describe.each(['otlp', 'ingestion'] as const)('%s: every request stays within maxBatchBytes', (transport) => {
  it.each(Object.entries(SHAPES))('%s payloads', async (_shape, text) => {
    const { client } = startClient(server, { transport, maxBatchBytes: LIMIT, flushAt: 100 });
    for (let i = 0; i < 40; i++) publish('span', { name: `s${i}`, input: text, metadata: { text } });
    const stats = await client.flush();
    expectBalanced(stats);
    const requests = server.received.requests.filter((r) => r.endpoint === transport);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(r.bytes).toBeLessThanOrEqual(LIMIT);
    expect(stats.delivered).toBe(40);
  });

  it('an event just under the limit is sent, not refused by a safety factor; one over it is refused by its real size', async () => {
    const { client } = startClient(server, { transport, maxBatchBytes: LIMIT });
    publish('span', { name: 'fits', input: 'x'.repeat(LIMIT - 2_000) });
    publish('span', { name: 'too-big', input: 'x'.repeat(LIMIT + 100) });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.delivered).toBe(1);
    expect(stats.dropped.too_large).toBe(1);
    expect(client.deadLetters()[0]!.message).toMatch(/bytes encoded/);
  });
});
