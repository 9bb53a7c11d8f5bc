import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CHILD, type Child, startChild, startWorkerProcess } from './child-process-support.js';
import { type RedisHarness, startRedisHarness } from './redis-harness.js';
import { sleep, uniqueQueueName } from './test-support.js';

// The whole hand-off with real parts: three app processes publish through fusewire into BullMQ on a
// test-owned Redis, two fusewire-worker processes ship to the test server. On the way: one worker
// SIGKILLed with a request in flight, a 429 with Retry-After, two 503s, Redis SIGKILLed and restarted
// (append-only file, as BullMQ wants), and a global rate limit.

const APPS = 3;
const TRACES = 30;
const SPANS_PER_TRACE = 2;
const RATE = 600; // requests per minute across both workers: at most 10 per second

let server: LangfuseTestServer;
let redis: RedisHarness;
const children: Child[] = [];

beforeAll(async () => {
  server = await startLangfuseServer();
  redis = await startRedisHarness({ persistent: true });
});
afterAll(async () => {
  for (const child of children) await child.kill();
  await redis.close();
  await server.close();
});

describe('distributed export', () => {
  it('every event exactly once, trace fields intact, the rate limit held, through crashes and faults', async () => {
    const queueName = uniqueQueueName('dist');
    const env = {
      REDIS_URL: redis.url,
      FUSEWIRE_QUEUE: queueName,
      FUSEWIRE_LOCK_DURATION_MS: '2000',
      FUSEWIRE_STALLED_INTERVAL_MS: '500',
      FUSEWIRE_MAX_REQUESTS_PER_MINUTE: String(RATE),
      LANGFUSE_TIMEOUT_MS: '60000',
    };
    // Rules are taken in order: the first request hangs (its worker dies), then 429, then two 503s.
    server.script([
      { endpoint: 'otlp', hang: true },
      { endpoint: 'otlp', status: 429, retryAfter: '1' },
      { endpoint: 'otlp', status: 503, times: 2 },
    ]);
    const workers = [startWorkerProcess(server, env), startWorkerProcess(server, env)];
    children.push(...workers);
    for (const w of workers) await w.waitForStderr(/working queue/);

    const apps = Array.from({ length: APPS }, (_, i) =>
      startChild(APP_CHILD, [], {
        REDIS_URL: redis.url,
        QUEUE: queueName,
        APP: `app${i}`,
        TRACES: String(TRACES),
        PAUSE_EVERY: '5',
      }),
    );
    children.push(...apps);

    // 1. The worker whose request hangs is SIGKILLed; the other one recovers its job.
    await server.waitFor((r) => r.requests.some((x) => x.endpoint === 'otlp' && x.status === 0), 20_000);
    const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
    queue.on('error', () => {});
    const active = await queue.getActive();
    const holder = active.map((j) => j.processedBy).find((name) => name?.startsWith('fusewire-worker-'));
    const victim = workers.find((w) => holder === `fusewire-worker-${w.process.pid}`) ?? workers[0]!;
    await victim.kill('SIGKILL');
    await queue.close();

    // 2. Redis dies and comes back while the apps keep publishing.
    await server.waitFor((r) => r.counts.uniqueSpans > 0, 20_000);
    await redis.stop();
    await sleep(1500);
    await redis.start();

    // 3. All apps end; every event reaches the server exactly once.
    const expected = APPS * TRACES * SPANS_PER_TRACE;
    const results = await Promise.all(
      apps.map(async (a) => ({ code: await a.exited, out: a.stdout(), err: a.stderr() })),
    );
    for (const r of results) expect(r.code, r.err).toBe(0);
    await server.waitFor((r) => r.counts.uniqueSpans >= expected, 60_000);
    await sleep(500);
    expect(server.received.counts.uniqueSpans).toBe(expected);
    expect(server.received.counts.duplicateSpans).toBe(0);

    // Each app handed everything off and lost nothing; it needed no Langfuse keys.
    for (const r of results) {
      const { stats } = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(stats.enqueued).toBeGreaterThan(0);
      expect(stats.pending).toBe(0);
      expect(Object.values(stats.dropped as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(0);
    }

    // Trace fields went through Redis intact.
    const traces = server.received.traces();
    expect(traces).toHaveLength(APPS * TRACES);
    const t = traces.find((x) => x.name === 'request-7' && x.userId === 'user-app1')!;
    expect(t).toMatchObject({ sessionId: 'session-app1-1', input: { question: 'q7' }, output: { answer: 'a7' } });
    expect(t.tags).toEqual(expect.arrayContaining(['distributed', 'app1']));
    expect(t.metadata).toMatchObject({ app: 'app1', i: 7 });
    const llm = t.observations.find((o) => o.name === 'llm')!;
    expect(llm).toMatchObject({ type: 'generation', model: 'gpt-4o' });
    expect(llm.usage).toMatchObject({ input: 17, output: 20 });

    // The faults happened, and the global rate limit held: never more than two windows' worth in a second.
    const otlp = server.received.requests.filter((r) => r.endpoint === 'otlp');
    expect(otlp.filter((r) => r.status === 429)).toHaveLength(1);
    expect(otlp.filter((r) => r.status === 503)).toHaveLength(2);
    const at = otlp.map((r) => r.at);
    for (const start of at) expect(at.filter((x) => x >= start && x < start + 1000).length).toBeLessThanOrEqual(20);
  }, 180_000);
});
