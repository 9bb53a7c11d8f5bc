/**
 * Promise: the secret key never appears in a log line, an error message, stats, a dead letter
 * or a child process's output (neither as itself nor inside the Basic auth header's base64); a
 * plain-http baseUrl to a non-loopback host warns once; `mask` runs before anything is queued,
 * sent, dead-lettered or logged.
 */
import dc from 'node:diagnostics_channel';
import { createFusewire, FusewireConfigError, instrument } from '@fusewire/core';
import { middleware } from '@fusewire/express';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killChildren, startChild } from './support/child.js';
import { expectBalanced, publish, startClient, stopClient } from './support/client.js';
import { sleep } from './support/env.js';
import { runLoad } from './support/http-load.js';
import { captureLogger } from './support/logger.js';
import { installProcessGuards } from './support/process-guards.js';

installProcessGuards();

const SECRET = 'sk-lf-SECRET-canary-123';
const PUBLIC = 'pk-lf-public-canary';
const FORMS: Record<string, string> = {
  secret: SECRET,
  basicHeader: Buffer.from(`${PUBLIC}:${SECRET}`).toString('base64'),
  // The secret base64-encoded inside any larger buffer, at each of the three byte alignments
  // (the middle of the encoding does not depend on what surrounds it).
  ...Object.fromEntries(
    [0, 1, 2].map((k) => [
      `base64@${k}`,
      Buffer.from('\0'.repeat(k) + SECRET)
        .toString('base64')
        .slice(4, -4),
    ]),
  ),
};

/** Every captured text, checked for the secret in all its forms. */
function expectNoSecret(where: string, text: string): void {
  for (const [form, needle] of Object.entries(FORMS)) {
    expect(text.includes(needle), `${where} contains the secret (${form})`).toBe(false);
  }
}

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer({ publicKey: PUBLIC, secretKey: SECRET, maxBodyBytes: 256 * 1024 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(killChildren);
afterEach(() => stopClient());

describe('the secret key never leaks', () => {
  it('through logs, stats, lastError and dead letters, whatever fails', async () => {
    const captured: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name} ${w.message}`);
    process.on('warning', onWarning);
    try {
      const { client, logger } = startClient(server, {
        transport: 'ingestion',
        maxRetryElapsedMs: 600,
        timeoutMs: 300,
        deadLetterSize: 1000,
        mask: (value, { field }) => {
          if (field === 'metadata') throw new Error(`cannot mask ${SECRET}`);
          return value;
        },
      });
      const snap = () => captured.push(JSON.stringify(client.stats()), JSON.stringify(client.deadLetters()));
      // Careless publishers put the secret everywhere.
      publish('span', { name: 'leaky', input: `key=${SECRET}`, output: { auth: SECRET }, metadata: { SECRET } });
      publish('span', { name: `bad ${SECRET}`, level: SECRET, statusMessage: SECRET });
      publish('trace', { name: 'leaky-trace', userId: SECRET, output: SECRET, tags: [SECRET, 1] });
      publish('score', { name: SECRET, value: SECRET, dataType: 'NUMERIC', traceId: SECRET });
      publish('generation', { name: 'big', input: `${SECRET} ${'x'.repeat(3_000_000)}` }); // too_large
      // Per-event 400 quoting the event back.
      server.script({
        endpoint: 'ingestion',
        perEvent: (e) => ({ status: 400, message: `rejected ${JSON.stringify(e)}` }),
      });
      snap();
      await client.flush(5_000);
      snap();
      // Whole-request failures whose bodies quote the secret, then a refused connection, a hang.
      publish('span', { name: 'x', input: SECRET });
      server.script({ endpoint: 'ingestion', status: 400, body: JSON.stringify({ message: `bad key ${SECRET}` }) });
      await client.flush(5_000);
      snap();
      publish('span', { name: 'y', input: SECRET });
      server.script({
        endpoint: 'ingestion',
        status: 503,
        body: JSON.stringify({ message: SECRET }),
        times: Number.POSITIVE_INFINITY,
      });
      await client.flush(5_000);
      snap();
      server.reset();
      server.script({ endpoint: 'ingestion', hang: true, times: Number.POSITIVE_INFINITY });
      publish('span', { name: 'z', input: SECRET });
      const last = await client.shutdown(300);
      captured.push(JSON.stringify(last), JSON.stringify(client.deadLetters()), logger.text(), warnings.join('\n'));

      expectBalanced(last);
      expect(last.dropped.invalid).toBeGreaterThan(0);
      expect(last.dropped.non_retryable).toBeGreaterThan(0);
      expect(last.dropped.retry_exhausted).toBeGreaterThan(0);
      expect(last.dropped.too_large).toBe(1);
      expect(last.dropped.shutdown_timeout).toBe(1);
      expect(logger.withCode('FUSEWIRE_MASK_FAILED')).toHaveLength(1);
      expect(logger.lines.length).toBeGreaterThan(3);
      for (const text of captured) expectNoSecret('captured output', text);
      // What the server saw never carries the header in clear either (sanity of the harness).
      expectNoSecret('recorded request headers', JSON.stringify(server.received.requests.map((r) => r.headers)));
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('through config errors about the secret key itself', () => {
    for (const secretKey of [{ key: SECRET }, [SECRET], 12345678, '']) {
      let error: unknown;
      try {
        createFusewire({ publicKey: PUBLIC, secretKey: secretKey as never, strict: true });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FusewireConfigError);
      expectNoSecret('FusewireConfigError', `${(error as Error).message} ${(error as Error).stack}`);
    }
  });

  // BUG-5 (core options.ts resolveOptions/describeValue; express options.ts invalid()): a bad
  // value is echoed into the FusewireConfigError message. When the secret key ends up in another
  // option — keys swapped, LANGFUSE_BASE_URL set to the secret, a copy-paste into `environment` —
  // the thrown message (which apps log and crash reporters upload) carries the secret. Fix: scrub
  // the resolved secretKey (and publicKey) out of every config error message, or never echo
  // string values longer than a few characters; same in @fusewire/express's option errors.
  it('BUG-5 (fixed): through config errors about other options that were given the secret', () => {
    const attempts: Array<() => unknown> = [
      () => createFusewire({ publicKey: PUBLIC, secretKey: SECRET, baseUrl: SECRET, strict: true }),
      () => createFusewire({ publicKey: PUBLIC, secretKey: SECRET, environment: SECRET, strict: true }),
      () => createFusewire({ publicKey: PUBLIC, secretKey: SECRET, transport: SECRET as never, strict: true }),
      () => createFusewire({ publicKey: PUBLIC, secretKey: SECRET, flushAt: SECRET as never, strict: true }),
      () => {
        process.env.LANGFUSE_BASE_URL = SECRET;
        try {
          return createFusewire({ publicKey: PUBLIC, secretKey: SECRET, strict: true });
        } finally {
          delete process.env.LANGFUSE_BASE_URL;
        }
      },
      () => middleware({ flush: SECRET as never }),
    ];
    for (const attempt of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FusewireConfigError);
      expectNoSecret('FusewireConfigError', (error as Error).message);
    }
  });

  // BUG-6 (core dead-letter.ts DeadLetterList.add): the preview is cut to 2048 characters
  // *before* the secret is scrubbed, so a secret straddling the cut survives minus its last
  // characters ("…sk-lf-SECRET-canary-12…"). Fix: scrub first, then cut.
  it('BUG-6 (fixed): not even most of it, cut in half at the end of a dead-letter preview', async () => {
    const { client } = startClient(server, { deadLetterSize: 100 });
    for (let pad = 1_990; pad < 2_030; pad++)
      publish('span', { name: 'x', level: 'NOPE', input: 'a'.repeat(pad) + SECRET });
    await client.flush(5_000);
    const previews = client.deadLetters().map((d) => d.preview);
    expect(previews).toHaveLength(40);
    for (const preview of previews) expect(preview).not.toContain(SECRET.slice(0, 12)); // "sk-lf-SECRET"
  });

  it('through the stderr/stdout of an app whose Langfuse rejects it, and of a script whose Langfuse is gone', async () => {
    // The server knows another secret: every export gets a real 401.
    const other = await startLangfuseServer({ publicKey: PUBLIC, secretKey: 'sk-lf-the-right-one' });
    try {
      const app = startChild('express-app.mjs', {
        LANGFUSE_BASE_URL: other.url,
        LANGFUSE_PUBLIC_KEY: PUBLIC,
        LANGFUSE_SECRET_KEY: SECRET,
        FUSEWIRE_TEST_SHUTDOWN_MS: '1500',
      });
      const port = Number(await app.line('READY'));
      const load = runLoad({ port, count: 200, concurrency: 4, untilMs: 2_000 });
      await sleep(800);
      app.proc.kill('SIGTERM');
      const exit = await app.exited;
      load.stop();
      await load.done;
      expect(exit.code, app.stderrText()).toBe(0);
      expect(app.stderrText()).toMatch(/401/); // it did complain, on stderr
      expectNoSecret('app stderr', app.stderrText());
      expectNoSecret('app stdout', app.stdout.join('\n'));
    } finally {
      await other.close();
    }
    const gone = await startLangfuseServer();
    const url = gone.url;
    await gone.close();
    const script = startChild('exit-script.mjs', {
      LANGFUSE_BASE_URL: url,
      LANGFUSE_PUBLIC_KEY: PUBLIC,
      LANGFUSE_SECRET_KEY: SECRET,
      FUSEWIRE_TEST_COUNT: '5',
      FUSEWIRE_TEST_TIMEOUT_MS: '300',
    });
    const exit = await script.exited;
    expect(exit.code).toBe(0);
    expect(script.stderrText()).toMatch(/unsent/);
    expectNoSecret('script stderr', script.stderrText());
  });
});

describe('plain http to a non-loopback host', () => {
  const make = (baseUrl: string) => {
    const logger = captureLogger();
    const client = createFusewire({ baseUrl, publicKey: PUBLIC, secretKey: SECRET, logger, flushOnExit: false });
    return { client, logger };
  };
  const insecure = (l: ReturnType<typeof captureLogger>) => l.withCode('FUSEWIRE_INSECURE_URL');

  it('warns once, naming the host and never the keys; a second createFusewire() does not warn again', async () => {
    const { client, logger } = make(`http://user:${SECRET}@langfuse.internal.example:3000`);
    const again = createFusewire({
      baseUrl: 'http://langfuse.internal.example:3000',
      publicKey: PUBLIC,
      secretKey: SECRET,
      logger,
    });
    expect(again).toBe(client);
    expect(insecure(logger)).toHaveLength(1);
    expect(insecure(logger)[0]!.obj.host).toBe('langfuse.internal.example');
    expectNoSecret('insecure-url warning', logger.text());
    await client.shutdown(100);
  });

  it.each([
    'https://cloud.langfuse.com',
    'http://127.0.0.1:3000',
    'http://localhost:3000',
    'http://[::1]:3000',
    'http://127.1.2.3',
  ])('does not warn for %s', async (baseUrl) => {
    const { client, logger } = make(baseUrl);
    expect(insecure(logger)).toHaveLength(0);
    await client.shutdown(100);
  });
});

describe('mask', () => {
  const PII = 'PII-4111-1111-1111-1111';
  const hide = (v: unknown): unknown => {
    if (typeof v === 'string') return v.split(PII).join('[masked]');
    if (Array.isArray(v)) return v.map(hide);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hide(x)]));
    return v;
  };

  it('runs on the publisher stack, before anything is queued, sent, dead-lettered or logged', async () => {
    const calls: Array<{ field: string; kind: string }> = [];
    const { client, logger } = startClient(server, {
      deadLetterSize: 100,
      maxBatchBytes: 64 * 1024,
      mask: (value, ctx) => {
        calls.push(ctx);
        return hide(value);
      },
    });
    const input = { card: PII, nested: [PII] };
    publish('span', { name: 'ok', input, output: PII, metadata: { note: PII } });
    // Synchronous: masked before publish() returned, so a later change by the caller is not seen.
    expect(calls.map((c) => c.field)).toEqual(['input', 'output', 'metadata']);
    input.card = `${PII} changed after publish`;
    publish('trace', { id: 'masked-trace', name: 't', input: PII, output: PII, metadata: PII });
    publish('span', { traceId: 'masked-trace', name: 'root' }); // the span that carries the trace's fields
    publish('generation', { name: 'g', input: PII, level: 'NOT A LEVEL' }); // invalid: dead-lettered
    publish('event', { name: 'e', input: `${PII}${'x'.repeat(100_000)}` }); // too_large: dead-lettered
    publish('score', { traceId: 'masked-trace', name: 's', value: 1, metadata: { why: PII } });
    const out = instrument('tool', { name: 'tool', input: PII }, () => `${PII} as output`);
    expect(out).toBe(`${PII} as output`); // the caller's value is untouched
    const stats = await client.flush(5_000);

    expectBalanced(stats);
    expect(stats.dropped.invalid).toBe(1);
    expect(stats.dropped.too_large).toBe(1);
    expect(new Set(calls.map((c) => c.kind))).toEqual(
      new Set(['span', 'trace', 'generation', 'event', 'score', 'tool']),
    );
    const everything = [
      JSON.stringify(server.received.spans),
      JSON.stringify(server.received.events),
      JSON.stringify(client.deadLetters()),
      JSON.stringify(client.stats()),
      logger.text(),
    ].join('\n');
    expect(everything).not.toContain(PII);
    expect(JSON.stringify(server.received.spans)).toContain('[masked]');
    expect(JSON.stringify(client.deadLetters())).toContain('[masked]');
  });

  it('a mask that throws withholds the field (never the raw value), logs once, and the app never sees it', async () => {
    const { client, logger } = startClient(server, {
      mask: () => {
        throw new Error('mask exploded');
      },
    });
    let thrown: unknown;
    try {
      for (let i = 0; i < 20; i++) dc.channel('langfuse.span').publish({ name: `m-${i}`, input: PII, output: PII });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeUndefined();
    const stats = await client.flush(5_000);
    expect(stats.delivered).toBe(20);
    expect(JSON.stringify(server.received.spans)).not.toContain(PII);
    expect(JSON.stringify(server.received.spans)).toContain('mask failed');
    expect(logger.withCode('FUSEWIRE_MASK_FAILED').map((l) => l.obj.field)).toEqual(['input', 'output']);
    expect(logger.text()).not.toContain(PII);
  });
});
