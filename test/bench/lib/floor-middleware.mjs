// The least a tracing middleware does, for the floors (scenarios/floors.mjs via express-app.mjs, and
// scenarios/express-instructions.mjs): an AsyncLocalStorage entered per request, a `finish` listener,
// one JSON line per request (counter ids, name, times, status), POSTed in batches of 512 (or each
// second) over a keep-alive node:http agent. No validation, no random ids, no OTLP framing.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, request } from 'node:http';

const BATCH = 512;

/** `url`: the sink; `authorization`: its header, when it wants one. */
export function floorMiddleware(url, authorization) {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const als = new AsyncLocalStorage();
  let lines = [];
  const send = () => {
    if (lines.length === 0) return;
    const body = lines.join('\n');
    lines = [];
    const headers = { 'content-length': Buffer.byteLength(body) };
    if (authorization !== undefined) headers.authorization = authorization;
    const path = '/api/public/otel/v1/traces';
    const req = request({ agent, hostname, port, method: 'POST', path, headers }, (res) => res.resume());
    req.on('error', () => {});
    req.end(body);
  };
  const timer = setInterval(send, 1000);
  let n = 0;
  const middleware = (req, res, next) => {
    const start = Date.now();
    const id = (++n).toString(16).padStart(16, '0');
    res.once('finish', () => {
      const name = `${req.method} ${req.route?.path ?? req.path}`;
      lines.push(
        `{"traceId":"${id}${id}","spanId":"${id}","name":"${name}","start":${start},"end":${Date.now()},"status":${res.statusCode}}`,
      );
      if (lines.length >= BATCH) send();
    });
    als.run(id, next);
  };
  return {
    middleware,
    shutdown: async () => {
      clearInterval(timer);
      send();
    },
    sent: () => n,
  };
}
