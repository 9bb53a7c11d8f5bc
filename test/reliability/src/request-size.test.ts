/**
 * Promise: no request is larger than `maxBatchBytes` in real encoded bytes (UTF-8 width and
 * JSON escaping counted), none larger than Langfuse Cloud's 5 MB, and an event that fits is
 * sent, not refused by a safety factor. The test server records each request's body bytes.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBalanced, hex16, hex32, publish, startClient, stopClient } from './support/client.js';
import { FC_SEED, quickOrSoak } from './support/env.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer({ maxBodyBytes: 64 * 1024 * 1024 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => stopClient());

/** Characters that cost more on the wire than in `length`: multi-byte UTF-8 and JSON escapes. */
const WIDE = {
  ascii: 'a',
  latin: 'é', // 2 bytes
  cjk: '語', // 3 bytes
  emoji: '😀', // 4 bytes, 2 code units
  quote: '"', // escaped: 2 bytes
  control: '\u0001', // escaped: 6 bytes
  newline: '\n',
} as const;
type Wide = keyof typeof WIDE;
const wideKinds = Object.keys(WIDE) as Wide[];

let base = 1;
const CLOUD_LIMIT = 5 * 1024 * 1024;
// Langfuse's ingestion endpoint takes at most 4.5 MB a request (its body limit), below Cloud's OTLP 5 MB.
const INGESTION_LIMIT = 4.5 * 1000 * 1000;

// Item 8 (v4): bodies exceed maxBatchBytes (UTF-8 width and escaping not counted), and events
// just under the limit are refused by a safety factor. Turn on with real encoded-byte counting.
describe('real encoded bytes', () => {
  it.each(['otlp', 'ingestion'] as const)(
    '%s: every request within maxBatchBytes, whatever the characters (property)',
    async (transport) => {
      const maxBatchBytes = 256 * 1024;
      const { client } = startClient(server, { transport, maxBatchBytes, flushAt: 500 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...wideKinds), fc.integer({ min: 1, max: 20_000 })), {
            minLength: 5,
            maxLength: 60,
          }),
          async (events) => {
            server.reset();
            const before = client.stats();
            const traceId = hex32(base);
            for (const [kind, n] of events)
              publish('span', { id: hex16(base++), traceId, name: kind, input: WIDE[kind].repeat(n) });
            const stats = await client.flush(20_000);
            expectBalanced(stats);
            for (const r of server.received.requests) expect(r.bytes).toBeLessThanOrEqual(maxBatchBytes);
            // Each of these fits a request on its own (≤ 20 000 × 6 bytes + envelope < 256 KB): none refused.
            expect(stats.dropped.too_large - before.dropped.too_large).toBe(0);
            expect(stats.delivered - before.delivered).toBe(events.length);
          },
        ),
        { seed: FC_SEED, numRuns: quickOrSoak(10, 100) },
      );
    },
  );

  it.each(['otlp', 'ingestion'] as const)(
    '%s at Cloud size: an event of nine tenths of the limit is sent, one over it is too_large',
    async (transport) => {
      const { client } = startClient(server, { transport, maxBatchBytes: CLOUD_LIMIT });
      const traceId = hex32(base);
      // Three-byte characters: nine tenths of the endpoint's limit on the wire.
      const limit = transport === 'otlp' ? CLOUD_LIMIT : INGESTION_LIMIT;
      const bigId = hex16(base++);
      publish('span', {
        id: bigId,
        traceId,
        name: 'near-limit',
        input: WIDE.cjk.repeat(Math.floor((limit * 0.9) / 3)),
      });
      // 5.2 MB on the wire from 2.6 M code units: cannot fit whatever the counting.
      const tooBigId = hex16(base++);
      publish('span', { id: tooBigId, traceId, name: 'over-limit', input: WIDE.emoji.repeat(CLOUD_LIMIT / 4 + 1000) });
      for (let i = 0; i < 50; i++)
        publish('span', { id: hex16(base++), traceId, name: 'small', input: WIDE.quote.repeat(50_000) });
      const stats = await client.flush(30_000);
      expectBalanced(stats);
      for (const r of server.received.requests) expect(r.bytes).toBeLessThanOrEqual(CLOUD_LIMIT);
      const stored = storedIds(transport);
      expect(stored.has(bigId), 'the event near the limit was sent').toBe(true);
      expect(stored.has(tooBigId)).toBe(false);
      expect(client.deadLetters().find((d) => d.id === tooBigId)?.reason).toBe('too_large');
      expect(stats.delivered).toBe(51);
    },
  );

  it.each(['otlp', 'ingestion'] as const)(
    '%s with defaults: no request over 5 MB, whatever the mix',
    async (transport) => {
      const { client } = startClient(server, { transport });
      const traceId = hex32(base);
      for (const kind of wideKinds) {
        for (let i = 0; i < 6; i++)
          publish('span', { id: hex16(base++), traceId, name: kind, input: WIDE[kind].repeat(400_000) });
      }
      const stats = await client.flush(30_000);
      expectBalanced(stats);
      expect(server.received.requests.length).toBeGreaterThan(0);
      for (const r of server.received.requests) expect(r.bytes).toBeLessThanOrEqual(CLOUD_LIMIT);
    },
  );
});

function storedIds(transport: 'otlp' | 'ingestion'): ReadonlyMap<string, number> {
  if (transport === 'otlp') return server.received.spanIds();
  return new Map(server.received.events.map((e) => [e.body.id as string, 1]));
}
