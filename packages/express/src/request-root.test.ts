import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { instrument, startObservation } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { middleware } from './index.js';
import { failOnProcessErrors, listen, loadExpress, requestTraces, startClient } from './test-support.js';

// Which trace a request joins: a request a server received starts its own, whatever context the
// server's callbacks run in; a request built in code (serverless-http) joins its caller's.

failOnProcessErrors();

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

function namesOf(traceName: string): string[] {
  const trace = server.received.traces().find((t) => t.name === traceName);
  return (trace?.observations ?? []).map((o) => o.name ?? '').sort();
}

describe.each([5, 4] as const)('Express %i', (major) => {
  it('a server started inside an instrumented function: each request is a trace of its own', async () => {
    const client = startClient(server);
    const app = (await loadExpress(major))();
    app.use(middleware(client));
    app.get('/a', (_req, res) => {
      res.send('a');
    });
    const running = await instrument('span', { name: 'boot' }, () => listen(app));
    try {
      for (let i = 0; i < 2; i++) expect((await fetch(`${running.url}/a`)).status).toBe(200);
      await client.flush(2_000);
      await server.waitFor((r) => requestTraces(r).length === 2, 5_000);
      expect(requestTraces(server.received).map((t) => t.observations.map((o) => o.name))).toEqual([
        ['GET /a'],
        ['GET /a'],
      ]);
      expect(namesOf('boot')).toEqual(['boot']);
    } finally {
      await running.close();
      await client.shutdown(2_000);
    }
  });

  it('a request handed to Express from inside another observation is a trace of its own', async () => {
    const client = startClient(server);
    const app = (await loadExpress(major))();
    app.use(middleware(client));
    app.get('/b', (_req, res) => {
      res.send('b');
    });
    // A server that hands each request on from an observation's callback (as one answered from another
    // request's `finish` listener would be): the observation is still open when Express gets the request.
    const dispatch = startObservation('span', { name: 'dispatcher' });
    const http = createServer((req, res) => dispatch.run(() => app(req, res)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = http.address() as AddressInfo;
      expect((await fetch(`http://127.0.0.1:${port}/b`)).status).toBe(200);
      dispatch.end();
      await client.flush(2_000);
      await server.waitFor((r) => requestTraces(r).length === 1 && namesOf('dispatcher').length === 1, 5_000);
      expect(namesOf('GET /b')).toEqual(['GET /b']);
      expect(namesOf('dispatcher')).toEqual(['dispatcher']);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await client.shutdown(2_000);
    }
  });

  it('a request built in code, handled inside an observation, nests under it', async () => {
    const client = startClient(server);
    const app = (await loadExpress(major))();
    app.use(middleware(client));
    app.get('/lambda', (_req, res) => {
      res.send('ok');
    });
    // serverless-http's shape: an IncomingMessage on a stand-in socket object, a response on a stand-in stream.
    const req = new IncomingMessage({ remoteAddress: '127.0.0.1' } as unknown as Socket);
    req.method = 'GET';
    req.url = '/lambda';
    const res = new ServerResponse(req);
    res.assignSocket(new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as Socket);
    await instrument('span', { name: 'invocation' }, async () => {
      await new Promise<void>((resolve) => {
        res.on('finish', () => resolve());
        app(req as never, res as never);
      });
    });
    await client.flush(2_000);
    await server.waitFor((r) => r.traces().some((t) => t.name === 'invocation' && t.observations.length === 2), 5_000);
    expect(namesOf('invocation')).toEqual(['GET /lambda', 'invocation']);
    await client.shutdown(2_000);
  });
});
