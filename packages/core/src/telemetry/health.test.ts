import dc from 'node:diagnostics_channel';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFusewire, type Fusewire } from '../index.js';

let langfuse: LangfuseTestServer;
let fusewire: Fusewire;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  langfuse = await startLangfuseServer();
  fusewire = createFusewire({
    baseUrl: langfuse.url,
    publicKey: langfuse.publicKey,
    secretKey: langfuse.secretKey,
    flushIntervalMs: 50,
    timeoutMs: 500,
    maxRetryElapsedMs: 60_000,
    flushOnExit: false,
    logger: { error() {}, warn() {}, info() {}, debug() {} },
  });
});
afterAll(async () => {
  await fusewire.shutdown(1000);
  await langfuse.close();
});

it('goes ok → degraded (exports retrying) → failing (stalled) → ok (delivered) against a dead backend and back', async () => {
  const span = () =>
    dc.channel('langfuse.span').publish({ name: 'work', startTime: Date.now() - 5, endTime: Date.now() });
  span();
  await fusewire.flush();
  const healthy = fusewire.health({ stallThresholdMs: 400 });
  expect(healthy).toMatchObject({ status: 'ok', reasons: [], queue: { events: 0 } });
  expect(healthy.lastExportOkAt).toBeTypeOf('string');

  await langfuse.stop();
  span();
  // Degraded once an attempt has failed: waited for, not slept for (a fixed 250 ms for a 50 ms tick
  // and a refused connection is one long wait for a core on a loaded box). The stall threshold is
  // far off, so however long that took, this reads degraded, not failing.
  for (const until = Date.now() + 5_000; fusewire.stats().lastError === undefined && Date.now() < until; )
    await sleep(10);
  const degraded = fusewire.health({ stallThresholdMs: 60_000 });
  expect(degraded.status).toBe('degraded');
  expect(degraded.reasons.join(' ')).toMatch(/retried/);
  expect(degraded.lastExportError?.message).toBeTypeOf('string');
  expect(degraded.queue.events).toBe(1);

  await sleep(500);
  const failing = fusewire.health({ stallThresholdMs: 400 });
  expect(failing.status).toBe('failing');
  expect(failing.reasons.join(' ')).toMatch(/nothing delivered for \d+ s while 1 events wait/);

  await langfuse.restart();
  await fusewire.flush(5_000);
  expect(fusewire.health({ stallThresholdMs: 400 })).toMatchObject({ status: 'ok', reasons: [], queue: { events: 0 } });
});
