import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fusewire } from '../api/client.js';
import type { MaskContext } from '../runtime/options.js';
import { expectBalanced, publish, sleep, startClient, stopClient } from '../test-helpers.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

async function until(client: Fusewire, done: (c: Fusewire) => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done(client)) {
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(client.stats())}`);
    await sleep(10);
  }
}

describe('invalid input', () => {
  it('is counted under dropped.invalid, logged once per channel and problem with its path, and dead-lettered', async () => {
    const { client, logger } = startClient(server);
    for (let i = 0; i < 5; i++) publish('span', { name: `bad-${i}`, level: 'LOUD' });
    publish('generation', { name: 'bad-gen', level: 'LOUD' });
    publish('generation', { name: 'bad-usage', usageDetails: { input: 1.5 } });
    publish('score', { name: 'no-target', value: 1 });
    publish('trace', { tags: 'not-a-list' });
    publish('span', { name: 'good' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 10, delivered: 1 });
    expect(stats.dropped.invalid).toBe(9);

    const warnings = logger.withCode('FUSEWIRE_INVALID_MESSAGE');
    expect(warnings.map((w) => [w.obj.channel, w.obj.path])).toEqual([
      ['langfuse.span', 'level'],
      ['langfuse.generation', 'level'],
      ['langfuse.generation', 'usageDetails.input'],
      ['langfuse.score', 'traceId'],
      ['langfuse.trace', 'tags'],
    ]);
    for (const w of warnings) expect(w.level).toBe('warn');

    const dead = client.deadLetters();
    expect(dead).toHaveLength(9);
    expect(dead[0]).toMatchObject({ reason: 'invalid', kind: 'span' });
    expect(dead[0]!.message).toMatch(/^level: /);
    expect(dead[0]!.preview).toContain('bad-0');
    expect(dead.find((d) => d.kind === 'generation' && d.message.startsWith('usageDetails.input'))).toBeDefined();
    expect(server.received.spans.map((s) => s.name)).toEqual(['good']);
  });

  it('takes non-objects and unreadable messages without throwing', async () => {
    const { client } = startClient(server);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
      },
    );
    expect(() => {
      publish('span', null);
      publish('span', 'a string');
      publish('span', [1, 2]);
      publish('event', 42);
      publish('trace', hostile);
    }).not.toThrow();
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.dropped.invalid).toBe(5);
    const messages = client.deadLetters().map((d) => d.message);
    expect(messages).toContain('(message): expected an object, got null');
    expect(messages).toContain('(message): expected an object, got an array');
    expect(messages.some((m) => m.includes('no keys for you'))).toBe(true);
  });

  it('counts a revoked Proxy (even Array.isArray throws on it) as invalid', async () => {
    const { client } = startClient(server);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => publish('span', proxy)).not.toThrow();
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.dropped.invalid).toBe(1);
  });

  it('drops only the event whose fields will not serialise, and sends the rest of its batch', async () => {
    const { client } = startClient(server, { flushAt: 10 });
    const params: Record<string, unknown> = { temperature: 0.2 };
    Object.defineProperty(params, 'toJSON', {
      value: () => {
        throw new Error('no JSON for you');
      },
      enumerable: false,
    });
    publish('generation', { name: 'fine-1' });
    publish('generation', { name: 'bad', modelParameters: params });
    publish('generation', { name: 'fine-2' });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.delivered).toBe(2);
    expect(stats.dropped.invalid).toBe(1);
    expect(server.received.spans.map((s) => s.name).sort()).toEqual(['fine-1', 'fine-2']);
  });

  it('keeps at most deadLetterSize dead letters, newest last', async () => {
    const { client } = startClient(server, { deadLetterSize: 3 });
    for (let i = 0; i < 10; i++) publish('span', { name: `bad-${i}`, startTime: 'never' });
    const stats = await client.flush();
    expect(stats.dropped.invalid).toBe(10);
    expect(stats.deadLetters).toBe(3);
    expect(client.deadLetters().map((d) => JSON.parse(d.preview).name)).toEqual(['bad-7', 'bad-8', 'bad-9']);
  });

  it('keeps nothing with deadLetterSize 0, yet still counts', async () => {
    const { client } = startClient(server, { deadLetterSize: 0 });
    publish('span', { level: 'LOUD' });
    const stats = await client.flush();
    expect(stats.dropped.invalid).toBe(1);
    expect(client.deadLetters()).toEqual([]);
  });

  it('cuts a dead letter preview to 2 KB', async () => {
    const { client } = startClient(server);
    publish('span', { level: 'LOUD', input: 'y'.repeat(10_000) });
    await client.flush();
    expect(client.deadLetters()[0]!.preview.length).toBeLessThan(2200);
  });
});

describe('mask', () => {
  it('runs on the publisher stack, before the event is queued, for input, output and metadata', async () => {
    const seen: MaskContext[] = [];
    const { client } = startClient(server, {
      mask: (value, ctx) => {
        seen.push(ctx);
        return typeof value === 'string' ? value.replace(/\d{4}-\d{4}/g, '****') : value;
      },
    });
    const input = 'card 1234-5678';
    publish('span', { name: 'pay', input, output: 'ok 9999-0000', metadata: { plain: true } });
    // Synchronously, before any flush.
    expect(seen).toEqual([
      { field: 'input', kind: 'span' },
      { field: 'output', kind: 'span' },
      { field: 'metadata', kind: 'span' },
    ]);
    publish('trace', { name: 't', input: 'trace 1111-2222' });
    expect(seen.at(-1)).toEqual({ field: 'input', kind: 'trace' });
    await client.flush();
    const span = server.received.spans.find((s) => s.name === 'pay')!;
    expect(span.attributes['langfuse.observation.input']).toBe('card ****');
    expect(span.attributes['langfuse.observation.output']).toBe('ok ****');
  });

  it('a throwing mask withholds the field, logs once, and never reaches the app', async () => {
    const { client, logger } = startClient(server, {
      mask: (value, ctx) => {
        if (ctx.field === 'output') throw new Error('mask bug');
        return value;
      },
    });
    expect(() => {
      for (let i = 0; i < 5; i++) publish('span', { name: `s${i}`, input: 'kept', output: 'secret output' });
    }).not.toThrow();
    const stats = await client.flush();
    expect(stats.delivered).toBe(5);
    for (const s of server.received.spans) {
      expect(s.attributes['langfuse.observation.input']).toBe('kept');
      expect(s.attributes['langfuse.observation.output']).not.toContain('secret output');
      expect(String(s.attributes['langfuse.observation.output'])).toContain('mask failed');
    }
    const logged = logger.withCode('FUSEWIRE_MASK_FAILED');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toContain('mask bug');
  });
});

describe('queue bound', () => {
  it('refuses the newest when full, counts queue_full, warns once on start and once on recovery', async () => {
    const { client, logger } = startClient(server, { maxQueueSize: 5, flushAt: 100 });
    await server.stop();
    try {
      for (let i = 0; i < 12; i++) publish('span', { name: `s${i}` });
      const full = client.stats();
      expectBalanced(full);
      expect(full.dropped.queue_full).toBe(7);
      expect(full.queue.size).toBe(5);
      await sleep(20);
      expect(logger.withCode('FUSEWIRE_QUEUE_FULL')).toHaveLength(1);
      publish('span', { name: 'still-full' });
      await sleep(20);
      expect(logger.withCode('FUSEWIRE_QUEUE_FULL')).toHaveLength(1);
    } finally {
      await server.restart();
    }
    await until(client, (c) => c.stats().delivered === 5);
    expectBalanced(client.stats());
    publish('span', { name: 'after-recovery' });
    await client.flush();
    const recovered = logger.lines.filter((l) => l.msg.startsWith('queue accepting again'));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.obj.refused).toBe(8);
    const stats = client.stats();
    expectBalanced(stats);
    expect(stats).toMatchObject({ enqueued: 14, delivered: 6 });
    expect(stats.dropped.queue_full).toBe(8);
  });

  it('also bounds by bytes', async () => {
    const { client } = startClient(server, { maxQueueBytes: 10_000, flushAt: 100 });
    for (let i = 0; i < 10; i++) publish('span', { name: `s${i}`, input: 'x'.repeat(3_000) });
    const stats = client.stats();
    expect(stats.dropped.queue_full).toBeGreaterThan(0);
    expect(stats.queue.size).toBeLessThan(10);
    expectBalanced(stats);
    expectBalanced(await client.flush());
  });
});

describe('sampling', () => {
  it('sampleRate 0 drops everything under dropped.sampled without sending', async () => {
    const { client } = startClient(server, { sampleRate: 0 });
    publish('span', { name: 'a' });
    publish('trace', { name: 't' });
    publish('score', { traceId: 'x', name: 'q', value: 1 });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.dropped.sampled).toBe(3);
    expect(server.received.requests).toHaveLength(0);
  });

  it('keeps or drops a whole trace together', async () => {
    const { client } = startClient(server, { sampleRate: 0.5 });
    for (let t = 0; t < 40; t++) for (let o = 0; o < 3; o++) publish('span', { traceId: `trace-${t}`, name: `o${o}` });
    const stats = await client.flush();
    expectBalanced(stats);
    expect(stats.delivered % 3).toBe(0);
    expect(stats.dropped.sampled % 3).toBe(0);
    for (const trace of server.received.traces()) expect(trace.observations).toHaveLength(3);
  });
});

describe('the hot path', () => {
  it('does no I/O and leaves the event pending until the batcher runs', () => {
    const { client } = startClient(server, { flushIntervalMs: 60_000 });
    publish('span', { name: 'x' });
    const stats = client.stats();
    expect(stats).toMatchObject({ enqueued: 1, pending: 1, delivered: 0, requests: 0 });
  });

  it('exports on its own once flushAt events are waiting, with no flush call', async () => {
    const { client } = startClient(server, { flushIntervalMs: 60_000, flushAt: 10 });
    for (let i = 0; i < 10; i++) publish('span', { name: `s${i}` });
    await server.waitFor((r) => r.spans.length === 10);
    await until(client, (c) => c.stats().delivered === 10);
  });

  it('exports on the interval without a flush call', async () => {
    startClient(server, { flushIntervalMs: 30 });
    publish('span', { name: 'lonely' });
    await server.waitFor((r) => r.spans.length === 1);
  });

  it('shallow-copies the message: later changes to its top level are not seen', async () => {
    const { client } = startClient(server);
    const message: Record<string, unknown> = { name: 'original' };
    publish('span', message);
    message.name = 'changed';
    await client.flush();
    expect(server.received.spans[0]!.name).toBe('original');
  });

  it('survives hostile payloads in every field without an uncaught error', async () => {
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    try {
      const { client } = startClient(server);
      const circular: Record<string, unknown> = { a: 1 };
      circular.self = circular;
      const getter = {
        get boom(): never {
          throw new Error('getter');
        },
      };
      const proto = JSON.parse('{"__proto__": {"polluted": 1}}');
      for (const value of [circular, 10n, getter, proto, 'z'.repeat(100_000), Symbol('s'), () => 1, new Error('e')]) {
        publish('span', { name: 'hostile', input: value, output: value, metadata: value });
        publish('trace', { name: 'hostile', input: value, metadata: value });
        publish('generation', { name: 'hostile', input: value });
      }
      const stats = await client.flush();
      expectBalanced(stats);
      expect(stats.delivered + stats.dropped.invalid).toBe(24);
      await sleep(10);
      expect(errors).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    }
  });
});

describe('flush', () => {
  it('resolves by its deadline with stats when the backend is slow, and never rejects', async () => {
    const { client } = startClient(server);
    server.script({ endpoint: 'otlp', delayMs: 500 });
    publish('span', { name: 'slow' });
    const stats = await client.flush(50);
    expectBalanced(stats);
    expect(stats.pending).toBe(1);
    const later = await client.flush();
    expect(later).toMatchObject({ delivered: 1, pending: 0 });
  });

  it('with nothing pending resolves at once', async () => {
    const { client } = startClient(server);
    expect((await client.flush()).enqueued).toBe(0);
  });

  it('overlapping flushes each wait for their own events', async () => {
    const { client } = startClient(server);
    publish('span', { name: 'a' });
    const first = client.flush();
    publish('span', { name: 'b' });
    const second = client.flush();
    const [s1, s2] = await Promise.all([first, second]);
    expect(s1.delivered).toBeGreaterThanOrEqual(1);
    expect(s2.delivered).toBe(2);
  });
});
