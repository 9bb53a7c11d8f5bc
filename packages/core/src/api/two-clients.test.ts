import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { globalState } from '../runtime/global-state.js';
import { captureLogger, expectBalanced, publish, startClient, stopClient } from '../test-helpers.js';
import { createFusewire, getFusewire } from './client.js';

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(stopClient);

describe('two clients in one process (#12 item 10)', () => {
  it("a second client's mask is applied to everything, and its shutdown leaves the first running", async () => {
    const { client: first } = startClient(server);
    const logger = captureLogger();
    const second = createFusewire({
      baseUrl: server.url,
      publicKey: 'pk-lf-other',
      secretKey: 'sk-lf-other',
      logger,
      mask: (value) => (typeof value === 'string' ? value.replace(/\d{4}-\d{4}/g, '[card]') : value),
    });
    expect(second).not.toBe(first);
    expect(getFusewire()).toBe(first);
    // The keys could not be applied: one error naming them (never their values).
    const error = logger.withCode('FUSEWIRE_CONFIG')[0];
    expect(error?.level).toBe('error');
    expect(error?.obj.ignored).toEqual(expect.arrayContaining(['publicKey', 'secretKey']));
    expect(logger.text()).not.toContain('sk-lf-other');

    publish('span', { name: 'pay', input: 'card 1234-5678' });
    await second.shutdown();
    publish('span', { name: 'after', input: 'card 9999-0000' });
    const stats = await first.flush();
    expectBalanced(stats);
    expect(stats.delivered).toBe(2);
    expect(stats.dropped.after_shutdown).toBe(0);
    const inputs = server.received.spans.map((s) => JSON.stringify(s));
    expect(inputs.join()).not.toMatch(/1234-5678|9999-0000/);
    expect(inputs.join()).toContain('[card]');
  });

  it('the same options (another bundled copy, say) return the running client itself', () => {
    const { client } = startClient(server);
    expect(createFusewire()).toBe(client);
  });

  it('a first mask stays in place when a second one is added: both run, in order', async () => {
    const { client } = startClient(server, { mask: (v) => (typeof v === 'string' ? `${v}+a` : v) });
    createFusewire({ mask: (v) => (typeof v === 'string' ? `${v}+b` : v), logger: captureLogger() });
    publish('span', { name: 'm', input: 'x' });
    await client.flush();
    expect(JSON.stringify(server.received.spans)).toContain('x+a+b');
  });
});

describe('flush during an outage (#12 item 4)', () => {
  it('expired flushes leave no waiter behind, however many there were', async () => {
    server.script({ status: 503, times: 1_000 });
    const { client } = startClient(server, { maxRetryElapsedMs: 60_000 });
    const flushes = [];
    for (let i = 0; i < 200; i++) {
      publish('span', { name: `s${i}` });
      flushes.push(client.flush(1));
    }
    await Promise.all(flushes);
    const pipeline = globalState().pipeline as unknown as { ledger: { epochs: { waiting: number } } };
    expect(pipeline.ledger.epochs.waiting).toBe(0);
    expectBalanced(client.stats());
  });
});
