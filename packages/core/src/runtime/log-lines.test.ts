import { createServer } from 'node:net';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { publish, startClient, stopClient } from '../test-helpers.js';

// Log lines a user can act on: each names what to look at (the variable, the message, the count).
let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => stopClient());

/** A port with nothing listening: connections are refused at once. */
async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

it('an invalid message is named in its warning', async () => {
  const { client, logger } = startClient(server);
  publish('span', { name: 'load-user', level: 'LOUD' });
  await client.flush();
  const [line] = logger.withCode('FUSEWIRE_INVALID_MESSAGE');
  expect(line!.msg).toMatch(/^invalid message "load-user" on langfuse\.span at level: /);
  expect(line!.obj).toMatchObject({ name: 'load-user', channel: 'langfuse.span', path: 'level' });
});

it('an unreachable Langfuse names LANGFUSE_BASE_URL; giving up says how many events and why', async () => {
  const port = await deadPort();
  const { client, logger } = startClient(server, { baseUrl: `http://127.0.0.1:${port}`, maxRetryElapsedMs: 1_500 });
  publish('span', { name: 'a' });
  publish('span', { name: 'b' });
  const stats = await client.flush(5_000);
  expect(stats.dropped.retry_exhausted).toBe(2);
  const retrying = logger.withCode('FUSEWIRE_EXPORT_RETRYING')[0]!.msg;
  expect(retrying).toContain('could not reach Langfuse (ECONNREFUSED');
  expect(retrying).toContain('check LANGFUSE_BASE_URL (or the baseUrl option)');
  const failed = logger.withCode('FUSEWIRE_EXPORT_FAILED')[0]!.msg;
  expect(failed).toMatch(
    /^export failed: gave up on 2 events after \d+ attempts over [\d.]+ s \(dropped as retry_exhausted, kept in deadLetters\(\)\): could not reach Langfuse/,
  );
});

it('a refused request says how many events were dropped', async () => {
  const { client, logger } = startClient(server, { secretKey: 'sk-lf-wrong' });
  publish('span', { name: 'a' });
  await client.flush();
  expect(logger.withCode('FUSEWIRE_EXPORT_FAILED')[0]!.msg).toContain(
    '(1 event dropped as non_retryable, kept in deadLetters())',
  );
});
