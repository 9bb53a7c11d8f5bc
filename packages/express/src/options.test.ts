import { type Fusewire, FusewireConfigError, instrument } from '@fusewire/core';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ExpressTracingOptions, middleware, trace } from './index.js';
import { failOnProcessErrors, listen, requestTraces, startClient } from './test-support.js';

failOnProcessErrors();

describe('options', () => {
  let server: LangfuseTestServer;
  let client: Fusewire;

  beforeAll(async () => {
    server = await startLangfuseServer();
    client = startClient(server);
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await client.shutdown(1000);
    await server.close();
  });

  /** Serves `paths` through an app with these options, then returns the traces that arrived. */
  async function run(options: ExpressTracingOptions, paths: string[], headers: Record<string, string> = {}) {
    const app = express();
    app.use(middleware(options));
    app.get('/health', async (_req, res) => {
      // The handler instruments its own work: an ignored route must still produce nothing.
      await instrument('span', { name: 'db-ping' }, () => new Promise((r) => setTimeout(r, 2)));
      res.send('ok');
    });
    app.get('/static/:file', (_req, res) => res.send('file'));
    app.get('/things/:id', (req, res) => res.json({ traceId: trace(req).traceId ?? null }));
    const running = await listen(app);
    try {
      const bodies: unknown[] = [];
      for (const path of paths) {
        const res = await fetch(running.url + path, { headers });
        expect(res.status).toBe(200);
        bodies.push(res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text());
      }
      await client.flush();
      await new Promise((r) => setTimeout(r, 100)); // anything stray would have arrived by now
      return { traces: requestTraces(server.received), bodies };
    } finally {
      await running.close();
    }
  }

  it('ignore: listed paths, RegExps and functions produce nothing', async () => {
    const { traces } = await run({ ignore: ['/health', /^\/static\//] }, ['/health', '/static/a.css', '/things/1']);
    expect(traces.map((t) => t.name)).toEqual(['GET /things/:id']);
    expect(server.received.spans).toHaveLength(1);
    server.reset();
    const byFunction = await run({ ignore: (req) => req.headers['x-synthetic'] === '1' }, ['/things/2'], {
      'x-synthetic': '1',
    });
    expect(byFunction.traces).toHaveLength(0);
  });

  it('sample: 0 traces nothing, a function decides per request, untraced requests see a no-op trace', async () => {
    const none = await run({ sample: 0 }, ['/things/1', '/things/2']);
    expect(none.traces).toHaveLength(0);
    expect(none.bodies).toEqual([{ traceId: null }, { traceId: null }]);
    const some = await run({ sample: (req) => req.url.endsWith('/2') }, ['/things/1', '/things/2']);
    expect(some.traces).toHaveLength(1);
    expect(some.bodies[1]).toEqual({ traceId: some.traces[0]!.id });
  });

  it('headers: records the listed request headers, redacting credentials', async () => {
    const { traces } = await run({ headers: ['User-Agent', 'authorization', 'x-absent'] }, ['/things/1'], {
      'user-agent': 'probe/1.0',
      authorization: 'Bearer secret',
    });
    expect(traces[0]!.roots[0]!.metadata).toMatchObject({
      headers: { 'user-agent': 'probe/1.0', authorization: '[redacted]' },
    });
    expect(JSON.stringify(server.received.requests.map((r) => r.body))).not.toContain('Bearer secret');
  });

  it('traceName: overrides the name; a throwing callback falls back to the default and warns once', async () => {
    const named = await run({ traceName: (method, route) => `${method.toLowerCase()}:${route}` }, ['/things/1']);
    expect(named.traces.map((t) => t.name)).toEqual([]); // not an HTTP-style name, so filtered out
    expect(server.received.traces().map((t) => t.name)).toEqual(['get:/things/:id']);
    server.reset();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const broken = await run(
        {
          traceName: () => {
            throw new Error('bad callback');
          },
        },
        ['/things/1', '/things/2'],
      );
      expect(broken.traces.map((t) => t.name)).toEqual(['GET /things/:id', 'GET /things/:id']);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('traceName');
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects unusable options at construction with FusewireConfigError', () => {
    const bad: unknown[] = [
      { flush: 'sometimes' },
      { flushTimeoutMs: 0 },
      { sample: 2 },
      { sample: 'half' },
      { headers: 'user-agent' },
      { ignore: [42] },
      { traceName: 'GET' },
      { colour: 'blue' },
    ];
    for (const options of bad) {
      expect(() => middleware(client, options as ExpressTracingOptions), JSON.stringify(options)).toThrow(
        FusewireConfigError,
      );
    }
    expect(() => middleware(client, { flush: 'sometimes' } as unknown as ExpressTracingOptions)).toThrow(
      /express\.flush/,
    );
  });
});

describe('without a running client', () => {
  it('passes requests straight through, and trace(req) is a no-op', async () => {
    const app = express();
    app.use(middleware());
    app.get('/x', (req, res) => {
      trace(req).update({ userId: 'nobody' });
      res.json({ traceId: trace(req).traceId ?? null });
    });
    const running = await listen(app);
    try {
      expect(await (await fetch(`${running.url}/x`)).json()).toEqual({ traceId: null });
    } finally {
      await running.close();
    }
  });
});

describe('mounted twice', () => {
  it('keeps one trace per request: the outer middleware owns it', async () => {
    const server = await startLangfuseServer();
    const client = startClient(server);
    try {
      const inner = express();
      inner.use(middleware());
      inner.get('/ping', (_req, res) => res.send('pong'));
      const app = express();
      app.use(middleware());
      app.use('/sub', inner);
      const running = await listen(app);
      try {
        expect(await (await fetch(`${running.url}/sub/ping`)).text()).toBe('pong');
      } finally {
        await running.close();
      }
      await client.flush();
      await server.waitFor((r) => r.traces().length === 1);
      const [t] = server.received.traces();
      expect(t!.name).toBe('GET /sub/ping');
      expect(t!.observations).toHaveLength(1);
    } finally {
      await client.shutdown(1000);
      await server.close();
    }
  });
});
