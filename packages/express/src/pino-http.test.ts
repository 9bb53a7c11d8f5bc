import { Writable } from 'node:stream';
import type { Fusewire } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, middleware, trace } from './index.js';
import { failOnProcessErrors, listen, type RunningApp, requestTraces, startClient } from './test-support.js';

failOnProcessErrors();

describe('pino-http', () => {
  let server: LangfuseTestServer;
  let client: Fusewire;
  let app: RunningApp;
  const lines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    server = await startLangfuseServer();
    client = startClient(server);
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    let n = 0;
    const a = express();
    a.use(
      pinoHttp({
        logger: pino(stream),
        genReqId: () => `req-${++n}`,
        // Also puts the trace id on pino-http's own "request completed" line.
        customProps: (req) => ({ traceId: trace(req).traceId }),
      }),
    );
    a.use(middleware(client));
    a.get('/hello', (req, res) => {
      req.log.info('handling hello');
      res.send('ok');
    });
    a.get('/fail', () => {
      throw new Error('kaput');
    });
    a.use(errorHandler());
    app = await listen(a);
  });
  afterAll(async () => {
    await app.close();
    await client.shutdown(1000);
    await server.close();
  });

  it('puts the trace id on application log lines and the request id on the trace', async () => {
    await fetch(`${app.url}/hello`);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1);
    const t = requestTraces(server.received)[0]!;
    const handled = lines.find((l) => l.msg === 'handling hello');
    expect(handled).toBeDefined();
    expect(handled!.traceId).toBe(t.id);
    expect(handled!.req.id).toBe('req-1');
    const completed = lines.find((l) => l.msg === 'request completed' && l.req.id === 'req-1');
    expect(completed?.traceId).toBe(t.id);
    expect(t.metadata).toMatchObject({ requestId: 'req-1' });
    expect(t.roots[0]!.metadata).toMatchObject({ requestId: 'req-1' });
  });

  it('lets pino-http log the error passed to errorHandler', async () => {
    server.reset();
    expect((await fetch(`${app.url}/fail`)).status).toBe(500);
    await client.flush();
    await server.waitFor((r) => requestTraces(r).length === 1);
    const t = requestTraces(server.received)[0]!;
    const failed = lines.find((l) => l.msg === 'request errored' && l.req.id === 'req-2');
    expect(failed?.err?.message).toBe('kaput');
    expect(failed?.traceId).toBe(t.id);
    expect(t.roots[0]!.statusMessage).toContain('kaput');
  });
});
