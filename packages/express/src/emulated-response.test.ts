import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { middleware } from './index.js';
import { failOnProcessErrors, requestTraces, startClient } from './test-support.js';

failOnProcessErrors();

/**
 * A response the way serverless-http builds one for Express on AWS Lambda: a `ServerResponse` on a
 * stand-in socket, with no HTTP server behind it. It emits `finish` and never `close` (that one
 * comes from Node's server code or a real socket).
 */
class EmulatedResponse extends ServerResponse {
  body = '';
  constructor(req: IncomingMessage) {
    super(req);
    this.assignSocket(new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as Socket);
  }
}

let server: LangfuseTestServer;
beforeAll(async () => {
  server = await startLangfuseServer();
});
afterAll(async () => {
  await server.close();
});

it('ends the trace of a response that only emits finish (serverless-http and the like)', async () => {
  const client = startClient(server);
  const app = express();
  app.use(middleware(client));
  app.get('/lambda/:id', (_req, res) => {
    res.send('ok');
  });
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = '/lambda/7';
  const res = new EmulatedResponse(req);
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => {
    res.on('finish', () => resolve());
    app(req, res);
  });
  await client.flush(2_000);
  await server.waitFor((r) => requestTraces(r).length === 1, 5_000);
  expect(requestTraces(server.received).map((t) => t.name)).toEqual(['GET /lambda/:id']);
  expect(closed).toBe(false); // what makes this response different from one a server made
  await client.shutdown(2_000);
});
