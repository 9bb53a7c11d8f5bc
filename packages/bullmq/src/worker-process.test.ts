import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bullmqDelivery } from './bullmq-delivery.js';
import { type Child, runCli, startWorkerProcess } from './child-process-support.js';
import { dropQueue, otlpRequest, REDIS_URL, uniqueQueueName } from './test-support.js';

let server: LangfuseTestServer;
const children: Child[] = [];
const queues: string[] = [];
const signal = new AbortController().signal;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
  for (const q of queues.splice(0)) await dropQueue(q);
  server.reset();
});

function queue(tag: string) {
  const name = uniqueQueueName(tag);
  queues.push(name);
  return { name, env: { REDIS_URL, FUSEWIRE_QUEUE: name } };
}

function worker(env: Record<string, string> & { REDIS_URL: string; FUSEWIRE_QUEUE: string }, args: string[] = []) {
  const child = startWorkerProcess(server, env, args);
  children.push(child);
  return child;
}

describe('fusewire-worker process', () => {
  it('a worker SIGKILLed mid-job: stalled-job recovery re-runs it elsewhere, every event once', async () => {
    const q = queue('sigkill');
    // The first request hangs (never stored): the worker that sent it dies while it waits.
    server.script({ endpoint: 'otlp', hang: true });
    const fast = { FUSEWIRE_LOCK_DURATION_MS: '1500', FUSEWIRE_STALLED_INTERVAL_MS: '500' };
    const first = worker({ ...q.env, ...fast });
    await first.waitForStderr(/working queue/);
    const app = bullmqDelivery({ connection: REDIS_URL, queueName: q.name, logger: quiet });
    const request = otlpRequest(4);
    expect((await app.send(request, signal)).kind).toBe('handed_off');
    await server.waitFor((r) => r.requests.some((x) => x.endpoint === 'otlp' && x.status === 0), 10_000);
    await first.kill('SIGKILL');

    const second = worker({ ...q.env, ...fast });
    await second.waitForStderr(/working queue/);
    await server.waitFor((r) => r.counts.uniqueSpans === 4, 20_000);
    for (const id of request.eventIds) expect(server.received.spanIds().get(id)).toBe(1);
    expect(server.received.counts.duplicateSpans).toBe(0);
    await app.close();
  });

  it('probes: /readyz and /livez answer 200 while connected', async () => {
    const q = queue('probes');
    const child = worker({ ...q.env, FUSEWIRE_PROBE_PORT: '0' });
    const [, port] = await child.waitForStderr(/probes on :(\d+)/);
    for (const path of ['/readyz', '/livez']) {
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${port}${path}`)).status, { timeout: 5000 })
        .toBe(200);
    }
    expect((await fetch(`http://127.0.0.1:${port}/config`)).status).toBe(404);
  });

  it('dead-letters shows the server message; replay sends them again; stats counts', async () => {
    const q = queue('admin');
    server.script({ endpoint: 'otlp', status: 422, body: '{"message":"span name too long"}' });
    const child = worker(q.env);
    await child.waitForStderr(/working queue/);
    const app = bullmqDelivery({ connection: REDIS_URL, queueName: q.name, logger: quiet });
    const request = otlpRequest(3);
    await app.send(request, signal);
    await child.waitForStderr(/failed for good/);
    const dead = await runCli(['dead-letters'], q.env);
    expect(dead.code).toBe(0);
    const [letter] = JSON.parse(dead.stdout);
    expect(letter).toMatchObject({ endpoint: 'otlp', events: 3 });
    expect(letter.reason).toContain('span name too long');
    const stats = await runCli(['stats'], q.env);
    expect(JSON.parse(stats.stdout).counts.failed).toBe(1);

    const replay = await runCli(['replay'], q.env);
    expect(JSON.parse(replay.stdout)).toEqual({ replayed: 1 });
    await server.waitFor((r) => r.counts.uniqueSpans === 3, 10_000);
    expect(JSON.parse((await runCli(['stats'], q.env)).stdout).counts.failed).toBe(0);
    await app.close();
  });

  it('without Langfuse keys the worker exits 1 with a hint and no secret', async () => {
    const q = queue('nokeys');
    const result = await runCli([], { ...q.env, LANGFUSE_SECRET_KEY: 'sk-lf-secret-value' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FUSEWIRE_WORKER_NO_KEYS');
    expect(result.stderr).not.toContain('sk-lf-secret-value');
  });
});
