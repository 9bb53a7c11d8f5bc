import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FusewireConfigError } from '../runtime/errors.js';
import type { ExportRequest } from '../seams/delivery.js';
import { createHttpDelivery } from './http-delivery.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1 that answers with `handler`; records each request it got. */
async function serve(handler: Handler) {
  const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const closed: Promise<void>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      closed.push(new Promise((resolve) => res.on('close', () => resolve())));
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, closed };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const request = (over: Partial<ExportRequest> = {}): ExportRequest => ({
  id: 'r1',
  endpoint: 'ingestion',
  path: '/api/public/ingestion',
  contentType: 'application/json',
  body: '{"batch":[]}',
  eventIds: ['a', 'b', 'c'],
  ...over,
});

const keys = { publicKey: 'pk-lf-test', secretKey: 'sk-lf-secret' };
const signal = () => new AbortController().signal;

describe('createHttpDelivery', () => {
  it('POSTs the request as-is with Basic auth and the export marker header', async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(200).end('{}'));
    const http = createHttpDelivery({ baseUrl: `${url}/prefix/`, ...keys });
    expect(http).toMatchObject({ name: 'http', needsCredentials: true });
    const result = await http.send(request({ contentEncoding: 'gzip', body: new Uint8Array([1, 2]) }), signal());
    await http.close();
    expect(result).toEqual({ kind: 'delivered' });
    expect(seen[0]).toMatchObject({ url: '/prefix/api/public/ingestion' });
    expect(seen[0]!.headers).toMatchObject({
      authorization: `Basic ${Buffer.from('pk-lf-test:sk-lf-secret').toString('base64')}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-fusewire-export': '1',
    });
  });

  it('reads a 207 per event: 5xx entries to retry, 4xx rejected, null or foreign entries ignored', async () => {
    const body = JSON.stringify({
      successes: [{ id: 'a', status: 201 }],
      errors: [null, { id: 'zzz', status: 400 }, { id: 'b', status: 400, message: 'bad' }, { id: 'c', status: 500 }],
    });
    const { url } = await serve((_req, res) => res.writeHead(207).end(body));
    const http = createHttpDelivery({ baseUrl: url, ...keys });
    const result = await http.send(request(), signal());
    await http.close();
    expect(result).toEqual({
      kind: 'partial',
      delivered: ['a'],
      rejected: [{ id: 'b', status: 400, message: 'Langfuse refused the event (400): bad' }],
      retry: ['c'],
    });
  });

  it('reads at most a few KB of an endless answer, then drops the connection', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const { url, closed } = await serve((_req, res) => {
      res.writeHead(200);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    // Without the cap this send would read until the attempt timed out (a TIMEOUT, not delivered).
    const http = createHttpDelivery({ baseUrl: url, ...keys, timeoutMs: 20_000 });
    const result = await http.send(request({ endpoint: 'otlp', path: '/api/public/otel/v1/traces' }), signal());
    await closed[0];
    await http.close();
    expect(result).toEqual({ kind: 'delivered' });
  });

  it.each([301, 307, 308])('does not follow a %i: final, with the Location (no query) and a hint', async (status) => {
    const { url, seen } = await serve((_req, res) =>
      res.writeHead(status, { location: 'https://other.example/api/public/ingestion?sig=123' }).end(),
    );
    const http = createHttpDelivery({ baseUrl: url, ...keys });
    const result = await http.send(request(), signal());
    await http.close();
    expect(result).toMatchObject({ kind: 'rejected', status, code: `HTTP_${status}` });
    const message = result.kind === 'rejected' ? result.message : '';
    expect(message).toContain('https://other.example/api/public/ingestion');
    expect(message).toContain('baseUrl');
    expect(message).not.toContain('sig=');
    expect(seen).toHaveLength(1);
  });

  it('answers 429 with its Retry-After, and 413 as too_large', async () => {
    const statuses = [
      [429, { 'retry-after': '60' }],
      [413, {}],
    ] as const;
    let i = 0;
    const { url } = await serve((_req, res) => {
      const [status, headers] = statuses[i++]!;
      res.writeHead(status, headers).end('no');
    });
    const http = createHttpDelivery({ baseUrl: url, ...keys });
    expect(await http.send(request(), signal())).toMatchObject({
      kind: 'retryable',
      status: 429,
      retryAfterMs: 60_000,
    });
    expect(await http.send(request(), signal())).toEqual({ kind: 'too_large' });
    await http.close();
  });

  it('a request sent but never answered times out as retryable that may have arrived', async () => {
    const { url, seen } = await serve(() => {});
    const http = createHttpDelivery({ baseUrl: url, ...keys, timeoutMs: 200 });
    const result = await http.send(request(), signal());
    await http.close();
    expect(seen).toHaveLength(1);
    expect(result).toMatchObject({ kind: 'retryable', code: 'TIMEOUT', mayHaveArrived: true });
  });

  it('a refused connection is retryable and cannot have arrived', async () => {
    const { url } = await serve(() => {});
    const port = new URL(url).port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const http = createHttpDelivery({ baseUrl: `http://127.0.0.1:${port}`, ...keys });
    const result = await http.send(request(), signal());
    await http.close();
    expect(result).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED' });
    expect(result).not.toHaveProperty('mayHaveArrived');
  });

  it('honours the abort signal (shutdown)', async () => {
    const { url } = await serve(() => {});
    const http = createHttpDelivery({ baseUrl: url, ...keys });
    const abort = new AbortController();
    const sent = http.send(request(), abort.signal);
    setImmediate(() => abort.abort());
    expect(await sent).toMatchObject({ kind: 'retryable', code: 'ABORTED' });
    await http.close();
  });

  it('refuses unusable options at construction, without echoing the secret', () => {
    expect(() => createHttpDelivery({ baseUrl: 'ftp://x', ...keys })).toThrow(FusewireConfigError);
    expect(() => createHttpDelivery({ baseUrl: 'https://x', publicKey: 'pk', secretKey: '' })).toThrow(/secretKey/);
    try {
      createHttpDelivery({ baseUrl: 'nope', ...keys });
    } catch (error) {
      expect(String(error)).not.toContain('sk-lf-secret');
    }
  });
});
