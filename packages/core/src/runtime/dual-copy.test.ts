import dc from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { captureLogger } from '../test-helpers.js';

// Two module instances of the built package, as a bundler or a mixed ESM/CJS app ends up with.
type Api = typeof import('../index.js');
// FUSEWIRE_CORE_DIST points at another build (e.g. a scratch `tsup --out-dir`); default: the package's dist.
const dist = process.env.FUSEWIRE_CORE_DIST
  ? pathToFileURL(`${process.env.FUSEWIRE_CORE_DIST}/`)
  : new URL('../../dist/', import.meta.url);
const esmUrl = new URL('index.js', dist);
const cjsPath = fileURLToPath(new URL('index.cjs', dist));

let esm: Api;
let cjs: Api;
let server: LangfuseTestServer;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(esmUrl)) || !existsSync(cjsPath)) {
    throw new Error('packages/core/dist is missing: run `npx tsup` in packages/core first');
  }
  esm = (await import(esmUrl.href)) as Api;
  cjs = createRequire(import.meta.url)(cjsPath) as Api;
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(async () => {
  await esm.getFusewire()?.shutdown(500);
});

const options = () => ({
  baseUrl: server.url,
  publicKey: server.publicKey,
  secretKey: server.secretKey,
  flushIntervalMs: 20,
  flushOnExit: false,
  logger: captureLogger(),
});

it('loads two separate module instances', () => {
  expect(esm.createFusewire).not.toBe(cjs.createFusewire);
  expect(esm.FusewireConfigError).not.toBe(cjs.FusewireConfigError);
});

it('the event-loop budget lives in the process-wide state, where every copy finds it', async () => {
  const state = () => (globalThis as Record<symbol, { turns?: unknown } | undefined>)[Symbol.for('fusewire.v1')];
  const turns = state()?.turns;
  expect(turns?.constructor.name).toBe('TurnBudget');
  // Loading a copy again (ESM and CJS are loaded above) does not replace it.
  await import(`${esmUrl.href}?again`);
  expect(state()?.turns).toBe(turns);
});

it('ESM creates, CJS finds the same client: one pipeline, one delivery', async () => {
  const client = esm.createFusewire(options());
  expect(cjs.getFusewire()).toBe(client);
  expect(cjs.createFusewire(options())).toBe(client);
  dc.channel('langfuse.span').publish({ name: 'once' });
  const stats = await cjs.getFusewire()!.flush();
  expect(stats).toMatchObject({ enqueued: 1, delivered: 1, pending: 0 });
  expect(client.stats()).toEqual(stats);
  expect(server.received.spans.map((s) => s.name)).toEqual(['once']);
  expect(server.received.requests).toHaveLength(1);
});

it('CJS creates, ESM finds it; after a shutdown the next client still gets each event once', async () => {
  const first = cjs.createFusewire(options());
  expect(esm.getFusewire()).toBe(first);
  dc.channel('langfuse.generation').publish({ name: 'gen', model: 'm' });
  expect((await esm.getFusewire()!.shutdown()).delivered).toBe(1);
  const second = esm.createFusewire(options());
  expect(second).not.toBe(first);
  expect(cjs.getFusewire()).toBe(second);
  dc.channel('langfuse.event').publish({ name: 'evt' });
  dc.channel('langfuse.score').publish({ traceId: 't', name: 'q', value: 1 });
  const stats = await cjs.getFusewire()!.flush();
  expect(stats).toMatchObject({ enqueued: 2, delivered: 2 });
  expect(server.received.spans.map((s) => s.name)).toEqual(['gen', 'evt']);
  expect(server.received.events).toHaveLength(1);
  expect(server.received.duplicates()).toEqual({ spans: 0, events: 0 });
});
