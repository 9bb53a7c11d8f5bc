// The Express example against `fusewire dev`, a local Langfuse-compatible server with a live trace
// view: the app on a random port, a few requests (one failing inside the model call), the log lines
// with their trace ids, and what Langfuse would show. No Langfuse account needed.
//
//   node demo.mjs           (or `npm run demo` at the repository root, which keeps the view open)
import { Writable } from 'node:stream';
import { createFusewire } from '@fusewire/core';
import { formatTraces, startDevServer } from '@fusewire/dev';
import pino from 'pino';
import { createApp } from './app.mjs';

/** Run the example app against a running dev server; resolves with fusewire's final stats. */
export async function runExpressDemo(dev) {
  const fusewire = createFusewire({ baseUrl: dev.url, publicKey: 'pk-lf-dev', secretKey: 'sk-lf-dev' });

  // Keep the app's log lines to show that they carry the trace id.
  const logLines = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  const app = createApp({ client: fusewire, logger: pino(sink) });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(`example app on ${base}\n`);

  async function call(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    console.log(`${method} ${path} ${JSON.stringify(body ?? '')} -> ${res.status} ${text}`);
  }

  await call('POST', '/chat', { question: 'What does the Express adapter do?', userId: 'u-1', sessionId: 's-1' });
  await call('POST', '/chat', { question: 'How do pino log lines find their trace?', userId: 'u-1', sessionId: 's-1' });
  await call('POST', '/chat', { question: 'Please crash the model', userId: 'u-2' });
  await call('POST', '/chat', {});
  await call('GET', '/health'); // ignored: no trace

  await new Promise((resolve) => server.close(resolve));
  const stats = await fusewire.shutdown();

  console.log('\napplication log lines (pino-http) with their trace ids:');
  for (const line of logLines) {
    console.log(`  ${line.msg.padEnd(18)} reqId=${line.req?.id ?? '-'} traceId=${line.traceId ?? '-'}`);
  }
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dev = await startDevServer({ port: 0 });
  console.log(`fusewire dev (a local Langfuse) on ${dev.url}`);
  const stats = await runExpressDemo(dev);
  console.log(`\nwhat Langfuse would show:\n\n${formatTraces(dev.traces())}`);
  await dev.close();
  if (stats.enqueued !== stats.delivered) {
    console.error(`\n${stats.enqueued - stats.delivered} events were not delivered`);
    process.exitCode = 1;
  }
}
