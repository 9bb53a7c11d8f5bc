import { connect, type Socket } from 'node:net';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fusewire } from '@fusewire/core';
import { middleware } from './index.js';
import {
  failOnProcessErrors,
  listen,
  loadExpress,
  type RunningApp,
  requestTraces,
  sleep,
  startClient,
} from './test-support.js';

// HTTP/1.1 pipelining: a client sends a second request before the first one's response. Node hands
// the second response its socket only when the first is done, so it is the one case where a
// response may never emit `close` or `finish`.

failOnProcessErrors();

describe.each([5, 4] as const)('Express %i', (major) => {
  let server: LangfuseTestServer;
  let client: Fusewire;
  let app: RunningApp;
  beforeAll(async () => {
    server = await startLangfuseServer();
    client = startClient(server);
    const traced = (await loadExpress(major))();
    traced.use(middleware(client));
    traced.get('/slow', (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.send('slow');
      }, 150);
    });
    traced.get('/fast', (_req, res) => res.send('fast'));
    app = await listen(traced);
  });
  beforeEach(() => server.reset());
  afterAll(async () => {
    await client.shutdown();
    await app.close();
    await server.close();
  });

  async function pipelined(): Promise<Socket> {
    const { port } = new URL(app.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => {});
    socket.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n');
    return socket;
  }

  function byName(name: string) {
    const trace = requestTraces(server.received).find((t) => t.name === name);
    return trace?.roots[0];
  }

  it('traces both pipelined requests once, with their status, when the connection lives', async () => {
    const socket = await pipelined();
    let answers = '';
    socket.on('data', (chunk: Buffer) => {
      answers += chunk.toString('latin1');
    });
    await new Promise<void>((resolve, reject) => {
      const done = (): void => (answers.match(/HTTP\/1\.1 200/g)?.length === 2 ? resolve() : undefined);
      socket.on('data', done);
      setTimeout(() => reject(new Error(`two responses expected, got: ${answers}`)), 3000).unref();
    });
    socket.destroy();
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 2, 5000);
    for (const name of ['GET /slow', 'GET /fast']) {
      const root = byName(name);
      expect(root?.metadata).toMatchObject({ statusCode: 200 });
      expect(root?.metadata).not.toHaveProperty('aborted');
    }
    expect(server.received.duplicates()).toEqual({ spans: 0, events: 0 });
  });

  it('ends the waiting request as aborted when the connection dies before its turn', async () => {
    const socket = await pipelined();
    await sleep(50); // both requests are in the app; the second one's response waits for the first
    socket.destroy();
    await sleep(250); // the first handler's timer fires on a destroyed response
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 2, 5000);
    const fast = byName('GET /fast');
    expect(fast?.metadata).toMatchObject({ aborted: true });
    expect(fast?.statusMessage).toMatch(/aborted/);
    expect(byName('GET /slow')?.metadata).toMatchObject({ aborted: true });
    expect(client.stats().pending).toBe(0);
  });
});
