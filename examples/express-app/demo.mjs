// The README's demo: a local Langfuse-compatible server, the example app pointed at it, a few
// requests (one of them failing), and the trace tree the server received. No Langfuse account needed.
//
//   npm run build && node examples/express-app/demo.mjs
import { Writable } from 'node:stream';
import { createFusewire } from '@fusewire/core';
import { formatTree, startLangfuseServer } from '@fusewire/test-server';
import pino from 'pino';
import { createApp } from './app.mjs';

const langfuse = await startLangfuseServer();
console.log(`local Langfuse-compatible server on ${langfuse.url}`);

const fusewire = createFusewire({
  baseUrl: langfuse.url,
  publicKey: langfuse.publicKey,
  secretKey: langfuse.secretKey,
});

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
console.log(`\nthe server received ${langfuse.received.counts.requests} requests:\n`);
console.log(formatTree(langfuse.received));
await langfuse.close();

const lost = stats.enqueued - stats.delivered;
if (lost !== 0) {
  console.error(`\n${lost} events were not delivered`);
  process.exitCode = 1;
}
