import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { FusewireConfigError } from '../runtime/errors.js';
import { resolveOptions } from '../runtime/options.js';
import { publish, startClient, stopClient } from '../test-helpers.js';

const SECRET = 'sk-lf-0123-TOP-SECRET-4567';
const PUBLIC = 'pk-lf-public-1';
const BASIC = Buffer.from(`${PUBLIC}:${SECRET}`).toString('base64');

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer({ publicKey: PUBLIC, secretKey: SECRET });
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

function expectNoSecret(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(BASIC);
}

it('never shows the secret key in logs, stats or dead letters', async () => {
  const { client, logger } = startClient(server, {
    maxRetryElapsedMs: 400,
    transport: 'ingestion',
    deadLetterSize: 50,
  });
  // Careless publishers: the secret inside payloads, an invalid message, a mask failure.
  publish('span', { name: 'leaky', metadata: { apiKey: SECRET }, input: `key=${SECRET}` });
  publish('span', { name: `bad ${SECRET}`, level: SECRET });
  publish('trace', { name: 'leaky-trace', output: SECRET, tags: [SECRET, 1] });
  // Every kind of failure: per-event 400 quoting the event, whole-request 400, retries that run out.
  server.script([
    { endpoint: 'ingestion', perEvent: (e) => ({ status: 400, message: `rejected ${JSON.stringify(e.body)}` }) },
  ]);
  await client.flush();
  publish('span', { name: 'x', input: SECRET });
  server.script({ endpoint: 'ingestion', status: 400, body: JSON.stringify({ message: `bad ${SECRET}` }) });
  await client.flush();
  publish('span', { name: 'y', input: SECRET });
  server.script({ endpoint: 'ingestion', status: 503, times: Number.POSITIVE_INFINITY });
  const stats = await client.flush();
  await client.shutdown(200);

  expect(stats.dropped.invalid).toBe(2);
  expect(stats.dropped.non_retryable).toBe(2);
  expect(stats.dropped.retry_exhausted).toBe(1);
  expect(logger.lines.length).toBeGreaterThan(0);
  expectNoSecret(logger.text());
  expectNoSecret(JSON.stringify(stats));
  expectNoSecret(JSON.stringify(client.stats()));
  const dead = client.deadLetters();
  expect(dead.length).toBe(5);
  expectNoSecret(JSON.stringify(dead));
  expect(dead.some((d) => d.preview.includes('[redacted]'))).toBe(true);
});

it('a wrong secret key is not echoed either', async () => {
  const wrong = 'sk-lf-WRONG-9876543210';
  const { client, logger } = startClient(server, { secretKey: wrong });
  publish('span', { name: 'x' });
  const stats = await client.flush();
  expect(stats.dropped.non_retryable).toBe(1);
  const all = logger.text() + JSON.stringify(stats) + JSON.stringify(client.deadLetters());
  expect(all).not.toContain(wrong);
  expect(all).not.toContain(Buffer.from(`${PUBLIC}:${wrong}`).toString('base64'));
});

it('config errors and warnings do not echo keys', () => {
  for (const secretKey of [12345678, { key: SECRET }, '']) {
    const warned = resolveOptions({ secretKey: secretKey as never }, {}).problems;
    expect(warned.map((p) => p.option)).toEqual(['secretKey']);
    expect(JSON.stringify(warned)).not.toContain('12345678');
    expectNoSecret(JSON.stringify(warned));
    let error: unknown;
    try {
      resolveOptions({ secretKey: secretKey as never, strict: true }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FusewireConfigError);
    expect((error as FusewireConfigError).option).toBe('secretKey');
    expect((error as Error).message).not.toContain('12345678');
    expectNoSecret((error as Error).message);
  }
});
