import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fusewire } from '../api/client.js';
import { DROP_REASONS } from '../model/records.js';
import { Counters, emptyStats, type FusewireStats } from './stats.js';
import { droppedTotal, expectBalanced, publish, sleep, startClient, stopClient } from '../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
afterEach(stopClient);

describe('stats shape', () => {
  it('has a counter for every drop reason, starting balanced at zero', () => {
    const s = emptyStats();
    expect(Object.keys(s.dropped).sort()).toEqual([...DROP_REASONS].sort());
    expectBalanced(s);
    expect(droppedTotal(s)).toBe(0);
    const c = new Counters();
    c.setError('HTTP_500', 'x');
    expect(c.lastError).toMatchObject({ code: 'HTTP_500', message: 'x' });
    expect(Number.isNaN(Date.parse(c.lastError!.at))).toBe(false);
  });

  it('returns a snapshot the caller cannot use to change the counters', async () => {
    server.reset();
    const { client } = startClient(server);
    publish('span', { name: 'x' });
    const s = client.stats();
    s.dropped.invalid = 99;
    s.queue.size = 99;
    expect(client.stats().dropped.invalid).toBe(0);
    expectBalanced(client.stats());
  });
});

// A model-based test: random sequences of publishes, flushes, outages and waits, with
// the stats identity checked after every step and the final counts checked against the model.
interface Model {
  enqueued: number;
  invalid: number;
  down: boolean;
}
interface Real {
  client: Fusewire;
  server: LangfuseTestServer;
}

function check(m: Model, r: Real): FusewireStats {
  const s = r.client.stats();
  expectBalanced(s);
  expect(s.enqueued).toBe(m.enqueued);
  expect(s.pending).toBe(s.queue.size);
  expect(s.dropped.invalid).toBeLessThanOrEqual(m.invalid);
  return s;
}

class PublishValid implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: 'span' | 'generation' | 'event' | 'score',
    readonly n: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    for (let i = 0; i < this.n; i++) {
      if (this.kind === 'score') publish('score', { traceId: `t${i % 3}`, name: 'q', value: i });
      else publish(this.kind, { traceId: `t${i % 3}`, name: `${this.kind}-${i}`, input: { i } });
    }
    m.enqueued += this.n;
    check(m, r);
  }
  toString = () => `publish(${this.kind} x${this.n})`;
}

class PublishInvalid implements fc.AsyncCommand<Model, Real> {
  constructor(readonly which: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const bad = [{ level: 'LOUD' }, null, { usageDetails: { input: -1 } }, 'text', { name: 1 }][this.which];
    publish(this.which === 2 ? 'generation' : 'span', bad);
    m.enqueued++;
    m.invalid++;
    check(m, r);
  }
  toString = () => `publishInvalid(${this.which})`;
}

class Flush implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const s = await r.client.flush(m.down ? 50 : 2_000);
    expectBalanced(s);
    // Everything published before a flush that completed has been validated.
    if (!m.down && s.pending === 0) expect(s.dropped.invalid).toBe(m.invalid);
    check(m, r);
  }
  toString = () => 'flush';
}

class Outage implements fc.AsyncCommand<Model, Real> {
  constructor(readonly on: boolean) {}
  check = (m: Readonly<Model>) => m.down !== this.on;
  async run(m: Model, r: Real) {
    if (this.on) await r.server.stop();
    else await r.server.restart();
    m.down = this.on;
    check(m, r);
  }
  toString = () => (this.on ? 'backend down' : 'backend up');
}

class Fault implements fc.AsyncCommand<Model, Real> {
  constructor(readonly status: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.server.script({ status: this.status });
    check(m, r);
  }
  toString = () => `fault(${this.status})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await sleep(this.ms);
    check(m, r);
  }
  toString = () => `advance(${this.ms})`;
}

const commands = [
  fc
    .tuple(fc.constantFrom('span', 'generation', 'event', 'score'), fc.integer({ min: 1, max: 30 }))
    .map(([k, n]) => new PublishValid(k as 'span', n)),
  fc.integer({ min: 0, max: 4 }).map((w) => new PublishInvalid(w)),
  fc.constant(new Flush()),
  fc.boolean().map((on) => new Outage(on)),
  fc.constantFrom(400, 413, 429, 500, 503).map((s) => new Fault(s)),
  fc.integer({ min: 1, max: 40 }).map((ms) => new Advance(ms)),
];

describe('stats identity (model-based)', () => {
  it('enqueued === delivered + pending + sum(dropped) after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (cmds) => {
        server.reset();
        const { client } = startClient(server, {
          flushIntervalMs: 10,
          flushAt: 20,
          maxRetryElapsedMs: 300,
          timeoutMs: 500,
        });
        const model: Model = { enqueued: 0, invalid: 0, down: false };
        const real: Real = { client, server };
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await server.restart();
          const end = await client.shutdown(1_000);
          expectBalanced(end);
          expect(end.enqueued).toBe(model.enqueued);
          expect(end.pending).toBe(0);
          expect(end.queue.size).toBe(0);
          expect(end.queue.bytes).toBe(0);
          expect(end.dropped.invalid).toBe(model.invalid);
          // Delivered means the server stored it (it may also hold some the client gave up on).
          const stored = server.received.counts.uniqueSpans + server.received.counts.uniqueEvents;
          expect(end.delivered).toBeLessThanOrEqual(stored);
          expect(stored).toBeLessThanOrEqual(
            end.delivered + end.dropped.retry_exhausted + end.dropped.shutdown_timeout,
          );
        } finally {
          await stopClient();
          await server.restart();
        }
      }),
      { numRuns: 50 },
    );
  }, 60_000);
});
