/**
 * Promise: bounded flush/shutdown, never reject, never hang. A real Express app in a child
 * process gets SIGTERM under load and exits 0 within the shutdown deadline, with its traces
 * delivered, or (backend dead) with what it could not send reported. Scripts that just end are
 * flushed by `beforeExit`. shutdown twice, flush after shutdown, publishing after shutdown:
 * harmless and counted.
 */
import type { FusewireStats } from '@fusewire/core';
import { instrument } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Child, killChildren, startChild } from './support/child.js';
import { droppedTotal, expectBalanced, nonZeroDrops, publish, startClient, stopClient } from './support/client.js';
import { sleep } from './support/env.js';
import { runLoad } from './support/http-load.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

// Exit after the deadline: process teardown, not fusewire. Generous for a loaded 2-vCPU box.
const EXIT_SLACK_MS = 1_500;

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(killChildren);
afterEach(() => stopClient());

async function deadUrl(): Promise<string> {
  const gone = await startLangfuseServer();
  const url = gone.url;
  await gone.close();
  return url;
}

function appEnv(baseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LANGFUSE_BASE_URL: baseUrl,
    LANGFUSE_PUBLIC_KEY: server.publicKey,
    LANGFUSE_SECRET_KEY: server.secretKey,
    ...extra,
  };
}

async function sigtermUnderLoad(child: Child, loadMs: number) {
  const port = Number(await child.line('READY'));
  const load = runLoad({ port, count: 5_000, concurrency: 8, untilMs: loadMs + 3_000 });
  await sleep(loadMs);
  const sentAt = Date.now();
  child.proc.kill('SIGTERM');
  const exit = await child.exited;
  load.stop();
  const result = await load.done;
  const statsLine = child.stdout.find((l) => l.startsWith('STATS '));
  const stats = statsLine ? (JSON.parse(statsLine.slice(6)) as FusewireStats) : undefined;
  return { exit, tookMs: exit.at - sentAt, result, stats };
}

describe('SIGTERM to an Express app under load', () => {
  it('backend up: drains, exits 0 within the deadline, and every answered request has its trace in Langfuse', async () => {
    const deadline = 5_000;
    const child = startChild('express-app.mjs', appEnv(server.url, { FUSEWIRE_TEST_SHUTDOWN_MS: String(deadline) }));
    const { exit, tookMs, result, stats } = await sigtermUnderLoad(child, 1_500);

    expect(exit.code, child.stderrText()).toBe(0);
    expect(tookMs).toBeLessThanOrEqual(deadline + EXIT_SLACK_MS);
    expect(result.ok.length).toBeGreaterThan(50);
    expect(stats).toBeDefined();
    expectBalanced(stats!);
    expect(nonZeroDrops(stats!)).toEqual({});
    expect(stats!.pending).toBe(0);
    const traced = new Set(server.received.traces().map((t) => t.id));
    const missing = result.ok.filter((r) => !traced.has(r.traceId));
    expect(missing, `${missing.length} of ${result.ok.length} answered requests have no trace`).toEqual([]);
    // Three events per request: the root span, the nested span, the trace update.
    expect(stats!.delivered).toBeGreaterThanOrEqual(result.ok.length * 2);
    expect(server.received.duplicates().spans).toBe(0);
  });

  it('backend dead: still exits 0 by the deadline and reports what it could not send', async () => {
    const deadline = 2_000;
    const child = startChild(
      'express-app.mjs',
      appEnv(await deadUrl(), { FUSEWIRE_TEST_SHUTDOWN_MS: String(deadline), FUSEWIRE_TEST_TIMEOUT_MS: '500' }),
    );
    const { exit, tookMs, result, stats } = await sigtermUnderLoad(child, 1_000);

    expect(exit.code, child.stderrText()).toBe(0);
    expect(tookMs).toBeLessThanOrEqual(deadline + EXIT_SLACK_MS);
    expect(result.ok.length).toBeGreaterThan(20); // the app served everything meanwhile
    expect(stats).toBeDefined();
    expectBalanced(stats!);
    expect(stats!.delivered).toBe(0);
    expect(stats!.pending).toBe(0);
    expect(stats!.dropped.shutdown_timeout).toBeGreaterThan(0);
    expect(droppedTotal(stats!)).toBe(stats!.enqueued);
    // The unsent count, on stderr, through the default logger.
    const match = /passed with (\d+) events unsent/.exec(child.stderrText());
    expect(match, child.stderrText()).not.toBeNull();
    expect(Number(match![1])).toBe(stats!.dropped.shutdown_timeout);
  });
});

describe('SIGTERM without draining HTTP first (the README pattern: shutdown() at once)', () => {
  it('requests answered after SIGTERM may lose their trace, but every such loss is counted under after_shutdown', async () => {
    const child = startChild('express-app.mjs', appEnv(server.url, { FUSEWIRE_TEST_DRAIN_HTTP: '0' }));
    const { exit, result, stats } = await sigtermUnderLoad(child, 1_000);
    expect(exit.code, child.stderrText()).toBe(0);
    expectBalanced(stats!);
    const traced = new Set(server.received.traces().map((t) => t.id));
    const missing = result.ok.filter((r) => !traced.has(r.traceId));
    // Each lost request is three refused events (root span, nested span, trace update).
    expect(stats!.dropped.after_shutdown).toBeGreaterThanOrEqual(missing.length * 2);
    expect(nonZeroDrops(stats!)).toEqual(
      stats!.dropped.after_shutdown > 0 ? { after_shutdown: stats!.dropped.after_shutdown } : {},
    );
  });
});

describe('beforeExit flush for scripts that never call shutdown()', () => {
  it('backend up: the script sends everything and exits 0 on its own', async () => {
    const child = startChild('exit-script.mjs', appEnv(server.url, { FUSEWIRE_TEST_COUNT: '250' }));
    const exit = await child.exited;
    expect(exit.code, child.stderrText()).toBe(0);
    expect(server.received.uniqueSpanCount).toBe(250);
    expect(child.stderrText()).not.toMatch(/unsent/);
  });

  it('backend dead: the script still exits 0 (no hang) and says how many events it could not send', async () => {
    const started = Date.now();
    const child = startChild(
      'exit-script.mjs',
      appEnv(await deadUrl(), { FUSEWIRE_TEST_COUNT: '40', FUSEWIRE_TEST_TIMEOUT_MS: '1000' }),
    );
    const exit = await child.exited;
    expect(exit.code, child.stderrText()).toBe(0);
    // One flush of timeoutMs, plus at most one backoff timer armed while it ran.
    expect(exit.at - started).toBeLessThan(1_000 + 5_000);
    expect(child.stderrText()).toMatch(/process exiting with 40 events unsent/);
  });
});

describe('calls around shutdown', () => {
  it('shutdown twice, flush after, publish after, instrument after: harmless, never rejects, counted', async () => {
    const { client } = startClient(server);
    for (let i = 0; i < 10; i++) publish('span', { name: `before-${i}` });
    const first = client.shutdown(2_000);
    const second = client.shutdown(10); // a second call, even with another deadline, is the same shutdown
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual(a);
    expect(a).toMatchObject({ enqueued: 10, delivered: 10, pending: 0 });
    expectBalanced(a);

    const again = await client.shutdown();
    expect(again.delivered).toBe(10);
    const started = Date.now();
    const flushed = await client.flush(5_000);
    expect(Date.now() - started).toBeLessThan(1_000); // nothing to wait for
    expectBalanced(flushed);

    for (let i = 0; i < 5; i++) publish('span', { name: `after-${i}` });
    const value = instrument('span', { name: 'after' }, () => 42);
    expect(value).toBe(42);
    const after = client.stats();
    expectBalanced(after);
    expect(after.enqueued).toBe(15);
    expect(after.dropped.after_shutdown).toBe(5);
    expect(server.received.uniqueSpanCount).toBe(10);
    expect(client.deadLetters()).toEqual([]); // after_shutdown is counted, not dead-lettered
  });

  it('shutdown while a flush waits on a hung backend: both resolve by the deadline, the lost events are counted', async () => {
    const { client } = startClient(server, { timeoutMs: 30_000 });
    server.script({ endpoint: 'otlp', hang: true, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 20; i++) publish('span', { name: `hung-${i}` });
    const started = Date.now();
    const flushing = client.flush(10_000);
    await sleep(100);
    const stats = await client.shutdown(500);
    const flushed = await flushing;
    expect(Date.now() - started).toBeLessThan(500 + 1_500);
    expectBalanced(stats);
    expect(stats.dropped.shutdown_timeout).toBe(20);
    expectBalanced(flushed);
    const dead = client.deadLetters();
    expect(dead).toHaveLength(20);
    expect(dead.every((d) => d.reason === 'shutdown_timeout')).toBe(true);
  });

  it('a new client can start after shutdown and delivers', async () => {
    const { client: old } = startClient(server);
    await old.shutdown(500);
    const { client } = startClient(server);
    expect(client).not.toBe(old);
    publish('span', { name: 'reborn' });
    const stats = await client.flush(5_000);
    expect(stats).toMatchObject({ enqueued: 1, delivered: 1 });
    expect(old.stats().enqueued).toBe(0);
  });
});
