/**
 * Promise: however the process leaves — an uncaught exception during a flush, SIGTERM with no
 * handler, a direct process.exit() — fusewire sends what the exit path can still send, says
 * what it could not, and never changes how the app exits. Real child processes against the
 * Langfuse test server.
 */
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killChildren, startChild } from './support/child.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => killChildren());

const env = (mode: string, count: number) => ({
  LANGFUSE_BASE_URL: server.url,
  LANGFUSE_PUBLIC_KEY: server.publicKey,
  LANGFUSE_SECRET_KEY: server.secretKey,
  FUSEWIRE_TEST_MODE: mode,
  FUSEWIRE_TEST_COUNT: String(count),
});

describe('process.exit() called directly', () => {
  it('the exit code is the app’s; the unsent events are named in one warning', async () => {
    const child = startChild('exit-paths.mjs', env('exit', 40));
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    const out = `${child.stdout.join('\n')}\n${child.stderrText()}`;
    expect(out).toMatch(/40 events unsent/);
  });
});

// Item 11: an uncaught exception during a flush lost what the exit path could still send;
// SIGTERM with no handler lost everything without a line.
describe('exit paths that used to lose everything', () => {
  it('an uncaught exception during a flush: the app still dies with its error, the events arrive', async () => {
    const child = startChild('exit-paths.mjs', env('uncaught', 200));
    const exit = await child.exited;
    expect(exit.code, 'the app’s own exit code for an uncaught exception').toBe(1);
    expect(child.stderrText()).toContain('app bug: boom');
    expect(server.received.uniqueSpanCount).toBe(200);
  });

  it('SIGTERM with no handler: the events arrive, a line says so, the process ends as SIGTERM would end it', async () => {
    const child = startChild('exit-paths.mjs', env('sigterm', 200));
    await child.line('PUBLISHED');
    const sent = Date.now();
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit.at - sent).toBeLessThan(10_000);
    expect(exit.signal === 'SIGTERM' || exit.code === 143, `exit ${JSON.stringify(exit)}`).toBe(true);
    expect(server.received.uniqueSpanCount).toBe(200);
    expect(`${child.stdout.join('\n')}\n${child.stderrText()}`).toMatch(/SIGTERM/);
  });

  it('SIGTERM with no handler and Langfuse down: exits by the deadline and counts what it could not send', async () => {
    const child = startChild('exit-paths.mjs', { ...env('sigterm', 50), LANGFUSE_BASE_URL: 'http://127.0.0.1:9' });
    await child.line('PUBLISHED');
    const sent = Date.now();
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit.at - sent).toBeLessThan(10_000);
    expect(`${child.stdout.join('\n')}\n${child.stderrText()}`).toMatch(/50 events unsent|unsent.*50/);
  });
});
