import http from 'node:http';
import type net from 'node:net';

/**
 * A misbehaving HTTP server on 127.0.0.1 in front of the Langfuse test server, for the answers
 * the test server's own script cannot give: bodies that never end or are huge, answers long
 * after the request was stored, redirects, OTLP `partialSuccess`, 207s with odd entries,
 * `Retry-After` for a whole window of time. Each request is answered by the current `plan`.
 */
export interface FrontRequest {
  readonly n: number;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly at: number;
}

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type FrontAnswer =
  /** Pass to the test server; optionally change the request first or the answer after. */
  | {
      forward: true;
      /** Wait this long before forwarding (nothing stored until then). */
      delayMs?: number;
      /** Forward at once (the server stores it), answer only after this long. */
      answerAfterMs?: number;
      request?: (body: Buffer) => Buffer;
      answer?: (upstream: UpstreamAnswer, req: FrontRequest) => Partial<UpstreamAnswer>;
      /** Answer the server's status, but with a body that never ends or of this many bytes. */
      replaceBody?: 'endless' | number;
    }
  /** Answer here, nothing forwarded. */
  | { status: number; headers?: Record<string, string>; body?: string }
  /** 200 (or `status`) whose body never ends: written as fast as the client reads it. */
  | { endless: true; status?: number }
  /** A finite body of `bytes` bytes of JSON-looking filler. */
  | { huge: number; status?: number }
  /** Never answer. */
  | { hang: true };

export interface FrontLog {
  n: number;
  path: string;
  at: number;
  status: number;
  /** Response bytes written to the socket (the body, for endless/huge). */
  written: number;
  /** When the client closed the connection, if it did before the answer ended. */
  closedAt?: number;
}

export interface ScriptedFront {
  readonly url: string;
  /** Sets how each request is answered (default: forward). */
  plan(fn: (req: FrontRequest) => FrontAnswer): void;
  readonly log: FrontLog[];
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, '{"filler":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},');

export async function startScriptedFront(upstreamUrl: string): Promise<ScriptedFront> {
  const upstream = new URL(upstreamUrl);
  let plan: (req: FrontRequest) => FrontAnswer = () => ({ forward: true });
  const log: FrontLog[] = [];
  const sockets = new Set<net.Socket>();
  let n = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: FrontRequest = {
        n: n++,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: Date.now(),
      };
      const entry: FrontLog = { n: request.n, path: request.path, at: request.at, status: 0, written: 0 };
      log.push(entry);
      res.on('close', () => {
        if (!res.writableFinished) entry.closedAt = Date.now();
      });
      void answer(plan(request), request, res, entry);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function answer(a: FrontAnswer, req: FrontRequest, res: http.ServerResponse, entry: FrontLog): Promise<void> {
    if ('hang' in a) return;
    if ('forward' in a && a.replaceBody !== undefined) {
      let up: UpstreamAnswer;
      try {
        up = await forward(upstream, req, req.body);
      } catch {
        res.destroy();
        return;
      }
      const replaced =
        a.replaceBody === 'endless'
          ? { endless: true as const, status: up.status }
          : { huge: a.replaceBody, status: up.status };
      return answer(replaced, req, res, entry);
    }
    if ('endless' in a) {
      entry.status = a.status ?? 200;
      res.writeHead(entry.status, { 'content-type': 'application/json' });
      const pump = () => {
        while (!res.destroyed && res.write(CHUNK)) entry.written += CHUNK.length;
        if (!res.destroyed) entry.written += CHUNK.length;
      };
      res.on('drain', pump);
      pump();
      return;
    }
    if ('huge' in a) {
      entry.status = a.status ?? 200;
      res.writeHead(entry.status, { 'content-type': 'application/json', 'content-length': String(a.huge) });
      let left = a.huge;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= piece.length;
          entry.written += piece.length;
          if (!res.write(piece)) return;
        }
        if (left === 0) res.end();
      };
      res.on('drain', pump);
      pump();
      return;
    }
    if ('status' in a) {
      entry.status = a.status;
      const body = a.body ?? '';
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      entry.written = Buffer.byteLength(body);
      res.end(body);
      return;
    }
    if (a.delayMs) await sleep(a.delayMs);
    const body = a.request ? a.request(req.body) : req.body;
    let up: UpstreamAnswer;
    try {
      up = await forward(upstream, req, body);
    } catch {
      res.destroy();
      return;
    }
    if (a.answerAfterMs) await sleep(a.answerAfterMs);
    const out = { ...up, ...(a.answer ? a.answer(up, req) : {}) };
    if (res.destroyed) return;
    entry.status = out.status;
    entry.written = out.body.length;
    const headers = { ...out.headers, 'content-length': String(out.body.length) };
    res.writeHead(out.status, headers);
    res.end(out.body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    plan(fn) {
      plan = fn;
    },
    log,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forward(upstream: URL, req: FrontRequest, body: Buffer): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    const r = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding') h[k] = v;
          }
          resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
