import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chatTrace, post } from '../test-support.js';
import { type DevServer, startDevServer } from './start-dev-server.js';

const OTLP = '/api/public/otel/v1/traces';
const SECRET = 'sk-lf-canary-3b1f0c';
const closers: Array<() => Promise<void>> = [];

async function start(options: Parameters<typeof startDevServer>[0] = {}): Promise<DevServer> {
  const server = await startDevServer({ port: 0, log: () => {}, ...options });
  closers.push(() => server.close());
  return server;
}

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Read SSE events off a live stream until `until` is satisfied. */
async function readEvents(url: string, until: (events: Array<{ event: string; data: any }>) => boolean) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Array<{ event: string; data: any }> = [];
  let buffer = '';
  return {
    contentType: res.headers.get('content-type'),
    async next() {
      while (!until(events)) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
      return events;
    },
    close: () => controller.abort(),
  };
}

describe('dev server edges', () => {
  it('pushes a snapshot, then each new trace live over Server-Sent Events', async () => {
    const dev = await start();
    await post(dev.url + OTLP, JSON.stringify(chatTrace({ name: 'before' }).request));
    let wanted = (events: Array<{ event: string }>) => events.some((e) => e.event === 'snapshot');
    const stream = await readEvents(`${dev.url}/api/dev/events`, (events) => wanted(events));
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const first = await stream.next();
    expect(first[0]!.event).toBe('snapshot');
    expect(first[0]!.data.map((s: any) => s.name)).toEqual(['before']);

    const live = chatTrace({ name: 'live', userId: 'u-live' });
    wanted = (events) => events.some((e: any) => e.event === 'trace' && e.data.id === live.traceId);
    await post(dev.url + OTLP, JSON.stringify(live.request));
    const all = await stream.next();
    const pushed = all.find((e) => e.event === 'trace')!;
    expect(pushed.data).toMatchObject({ name: 'live', userId: 'u-live', models: ['gpt-4o'] });
    expect(all.some((e) => e.event === 'stats')).toBe(true);
    stream.close();
  });

  it('never shows the keys it was sent, on any page or API', async () => {
    const dev = await start();
    const auth = `Basic ${Buffer.from(`pk-lf-x:${SECRET}`).toString('base64')}`;
    await post(dev.url + OTLP, JSON.stringify(chatTrace().request), { authorization: auth });
    await post(dev.url + OTLP, '{"broken":', { authorization: auth });
    const { traceId } = chatTrace();
    const bodies = await Promise.all(
      ['/', '/ui/app.js', '/api/dev/traces', '/api/dev/stats', `/api/dev/traces/${traceId}`].map((p) =>
        fetch(dev.url + p).then((r) => r.text()),
      ),
    );
    for (const body of bodies) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(auth.slice(6));
    }
  });

  it('answers only loopback Host names when bound to loopback (no DNS rebinding)', async () => {
    const dev = await start();
    const { request } = await import('node:http');
    const status = (host: string) =>
      new Promise<number>((resolve) => {
        request({ port: dev.port, host: '127.0.0.1', path: '/api/dev/traces', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).end();
      });
    expect(await status(`127.0.0.1:${dev.port}`)).toBe(200);
    expect(await status(`localhost:${dev.port}`)).toBe(200);
    expect(await status(`attacker.example:${dev.port}`)).toBe(421);
    expect(await status('127.0.0.1:1')).toBe(421);
  });

  it('warns when bound beyond loopback', async () => {
    const lines: string[] = [];
    await start({ host: '0.0.0.0', log: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/not loopback: anyone who reaches this port sees your traces/);
  });

  it('forwards every accepted request to the real Langfuse with the real keys, body as received', async () => {
    const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
    let failNext = 1;
    const langfuse = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failNext-- > 0) {
          res.writeHead(503, { 'retry-after': '0' }).end('busy');
          return;
        }
        received.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => langfuse.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => langfuse.close(() => resolve())));
    const target = `http://127.0.0.1:${(langfuse.address() as AddressInfo).port}`;
    const dev = await start({ forward: { baseUrl: target, publicKey: 'pk-real', secretKey: SECRET } });

    const body = JSON.stringify(chatTrace({ name: 'forwarded' }).request);
    await post(dev.url + OTLP, body, { authorization: 'Basic YW55OmtleXM=', 'x-langfuse-ingestion-version': '4' });
    await post(dev.url + OTLP, '{"resourceSpans": 7}'); // rejected here: not forwarded
    await dev.forwarded();

    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe(OTLP);
    expect(received[0]!.body).toBe(body);
    expect(received[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`pk-real:${SECRET}`).toString('base64')}`);
    expect(received[0]!.headers['x-langfuse-ingestion-version']).toBe('4');
    expect(dev.stats().forward).toMatchObject({ accepted: 1, forwarded: 1, failed: 0, pending: 0, dropped: 0 });
    expect(JSON.stringify(dev.stats())).not.toContain(SECRET);
  });
});
