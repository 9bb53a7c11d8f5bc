// The Langfuse stand-in for the Express scenario: it only counts requests and bytes and answers
// 200 `{}`, so its own CPU stays small and out of the app's core (the runner pins it to another
// core). No parsing, no ids: the Express rows prove delivery by bytes per request, not by span ids.
import { createServer } from 'node:http';

const counts = { requests: 0, bytes: 0, byPath: {} };
const http = createServer((req, res) => {
  counts.requests++;
  const path = req.url.split('?')[0];
  counts.byPath[path] = (counts.byPath[path] ?? 0) + 1;
  req.on('data', (chunk) => {
    counts.bytes += chunk.length;
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});
http.keepAliveTimeout = 30_000;
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${http.address().port}`;
const authorization = `Basic ${Buffer.from('pk-lf-bench:sk-lf-bench').toString('base64')}`;

const commands = {
  counts: () => ({ ...counts, byPath: { ...counts.byPath }, unique: undefined }),
  reset: () => {
    Object.assign(counts, { requests: 0, bytes: 0, byPath: {} });
    return {};
  },
  close: () => {
    setImmediate(() => process.exit(0));
    return {};
  },
};
process.on('message', (msg) => {
  if (msg?.type !== 'server') return;
  const fn = commands[msg.cmd];
  if (!fn) {
    process.send({ type: 'server-reply', id: msg.id, ok: false, error: `sink: no command ${msg.cmd}` });
    return;
  }
  process.send({ type: 'server-reply', id: msg.id, ok: true, value: fn(msg.args ?? {}) });
});
process.on('disconnect', () => process.exit(0));
process.send({
  type: 'ready',
  value: { url, publicKey: 'pk-lf-bench', secretKey: 'sk-lf-bench', authorization },
});
