import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CHILD, type Child, startChild, startWorkerProcess } from './child-process-support.js';
import { type RedisHarness, startRedisHarness } from './redis-harness.js';
import { sleep, uniqueQueueName } from './test-support.js';

// The whole hand-off with real parts: three app processes publish through fusewire into BullMQ on a
// test-owned Redis while two fusewire-worker processes ship to the test server. On the way: one worker
// SIGKILLed with a request in flight, a 429 with Retry-After, two 503s, Redis SIGKILLed and restarted
// (append-only file, as BullMQ wants) while the apps publish, and a global rate limit.

const APPS = 3;
const SPANS_PER_TRACE = 2; // root span + generation; the trace's fields ride on the root
const RATE = 900; // requests per minute across both workers: BullMQ admits 15 per second

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

function adminQueue(name: string): Queue {
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port } });
  queue.on('error', () => {});
  return queue;
}

describe('distributed export', () => {
  it('every event exactly once, trace fields intact, the rate limit held, through crashes and faults', async () => {
    const queueName = uniqueQueueName('dist');
    const env = {
      REDIS_URL: redis.url,
      FUSEWIRE_QUEUE: queueName,
      FUSEWIRE_LOCK_DURATION_MS: '2000',
      FUSEWIRE_STALLED_INTERVAL_MS: '500',
      // One job per worker at a time: the SIGKILLed one holds only the hung request, so no job that
      // Langfuse already stored re-runs (that at-least-once copy is real, and Langfuse dedupes it by id).
      FUSEWIRE_WORKER_CONCURRENCY: '1',
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
    // The apps have no Langfuse keys: only Redis.
    const apps = Array.from({ length: APPS }, (_, i) =>
      startChild(APP_CHILD, [], {
        REDIS_URL: redis.url,
        QUEUE: queueName,
        APP: `app${i}`,
        UNTIL_STDIN: '1',
        INTERVAL_MS: '100',
        FLUSH_MS: '200',
      }),
    );
    children.push(...apps);

    // 1. The worker whose request hangs (the job carrying the hung body's spans) is SIGKILLed; the
    // other worker's stalled-job check gives that job back, and it is sent again.
    await server.waitFor((r) => r.requests.some((x) => x.endpoint === 'otlp' && x.status === 0), 30_000);
    const hung = server.received.requests.find((x) => x.endpoint === 'otlp' && x.status === 0)!;
    const hungSpan = (hung.body as any).resourceSpans[0].scopeSpans[0].spans[0].spanId as string;
    const inspect = adminQueue(queueName);
    const holder = (await inspect.getActive()).find((j) => j.data.eventIds.includes(hungSpan))?.processedBy;
    await inspect.close();
    const victim = workers.find((w) => holder === `fusewire-worker-${w.process.pid}`);
    expect(victim, `no active job carries ${hungSpan}`).toBeDefined();
    await victim!.kill('SIGKILL');
    await server.waitFor((r) => r.spanIds().has(hungSpan), 30_000);

    // 2. Redis is SIGKILLed and comes back while the apps keep publishing (they keep events locally
    // meanwhile). The workers are paused first: a Redis crash between "Langfuse stored it" and "BullMQ
    // marked it done" re-runs that job (at least once; Langfuse dedupes by span id), which an exact
    // count here would report as a duplicate. The pause is in the append-only file: it outlives the crash.
    const pauser = adminQueue(queueName);
    await pauser.pause();
    await expect.poll(() => pauser.getActiveCount(), { timeout: 20_000 }).toBe(0);
    await pauser.disconnect();
    await redis.stop();
    await sleep(2000);
    await redis.start();
    const resumer = adminQueue(queueName);
    await resumer.resume();
    await resumer.close();
    await sleep(1000);

    // 3. The apps stop and shut down; every event they published reaches the server exactly once.
    for (const a of apps) a.say('stop');
    const results = await Promise.all(
      apps.map(async (a) => ({ code: await a.exited, out: a.stdout(), err: a.stderr() })),
    );
    for (const r of results) expect(r.code, r.err).toBe(0);
    const reports = results.map((r) => JSON.parse(r.out.trim().split('\n').pop()!));
    const expected = reports.reduce((n, r) => n + r.published * SPANS_PER_TRACE, 0);
    await server.waitFor((r) => r.counts.uniqueSpans >= expected, 90_000);
    await sleep(500);
    expect(server.received.counts.uniqueSpans).toBe(expected);
    expect(server.received.counts.duplicateSpans).toBe(0);

    // Each app handed everything off and lost nothing; the outage reached them and was survived.
    for (const { stats } of reports) {
      expect(stats.pending).toBe(0);
      expect(stats.delivered).toBe(stats.enqueued);
      expect(Object.values(stats.dropped as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(0);
    }
    expect(reports.some((r) => r.delivery.enqueueFailures > 0)).toBe(true);
    for (const r of results) expect(r.err.match(/Redis unavailable/g)?.length ?? 0).toBeLessThanOrEqual(1);

    // Trace fields went through Redis intact.
    const traces = server.received.traces();
    expect(traces).toHaveLength(reports.reduce((n, r) => n + r.published, 0));
    const t = traces.find((x) => x.name === 'request-7' && x.userId === 'user-app1')!;
    expect(t).toMatchObject({ sessionId: 'session-app1-1' });
    // Langfuse v4 shows the root observation's own I/O as the trace's; the trace's travels for older servers.
    expect(t.roots[0]).toMatchObject({ legacyTraceInput: { question: 'q7' }, legacyTraceOutput: { answer: 'a7' } });
    expect(t.input).toEqual(t.roots[0]!.input);
    expect(t.tags).toEqual(expect.arrayContaining(['distributed', 'app1']));
    expect(t.metadata).toMatchObject({ app: 'app1', i: 7 });
    const llm = t.observations.find((o) => o.name === 'llm')!;
    expect(llm).toMatchObject({ type: 'generation', model: 'gpt-4o', parentId: t.roots[0]!.id });
    expect(llm.usage).toMatchObject({ input: 17, output: 20 });

    // The faults happened, and the global rate limit held: at most two windows' worth in any second.
    const otlp = server.received.requests.filter((r) => r.endpoint === 'otlp');
    expect(otlp.filter((r) => r.status === 429)).toHaveLength(1);
    expect(otlp.filter((r) => r.status === 503)).toHaveLength(2);
    const at = otlp.map((r) => r.at);
    for (const start of at) expect(at.filter((x) => x >= start && x < start + 1000).length).toBeLessThanOrEqual(30);
  }, 240_000);
});
