import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TraceStore } from '../store/trace-store.js';
import type { StoreCounters } from '../store/types.js';
import { loadUiFiles } from '../ui-files.js';
import type { ViewTrace } from '../view/types.js';
import { ViewCache } from '../view/view-cache.js';
import { handleDevRoute } from './dev-routes.js';
import { type ForwardStats, type ForwardTarget, Forwarder } from './forwarder.js';
import { sendJson } from './http-answers.js';
import { handleIntake, type IntakeStats } from './intake-routes.js';
import { isLoopbackHost, trustedHost } from './hosts.js';
import { SseFeed } from './sse-feed.js';

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** Default 3100; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. Anything but loopback logs a warning: the page shows your traces to whoever reaches it. */
  host?: string;
  /** Traces kept in memory (default 1000); the least recently updated go first. */
  maxTraces?: number;
  /** Bytes of received data kept (default 64 MiB), counted as JSON. */
  maxBytes?: number;
  /** Largest request body, before and after gzip (default 32 MiB). */
  maxBodyBytes?: number;
  /** Also send every accepted request to this Langfuse. */
  forward?: ForwardTarget;
  /** Where notices go (default: stderr). */
  log?: (message: string) => void;
}

/** Everything `GET /api/dev/stats` answers. */
export interface DevServerStats extends IntakeStats {
  store: StoreCounters;
  forward?: ForwardStats;
  viewers: number;
}

/** A running dev server. */
export interface DevServer {
  /** e.g. `http://127.0.0.1:3100`: the page, and the `LANGFUSE_BASE_URL` to set. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  stats(): DevServerStats;
  /** Every trace held, as the page shows it (Langfuse v4's view), oldest first: for scripts and demos. */
  traces(): ViewTrace[];
  /** Forget every trace. */
  clear(): void;
  /** Resolves when everything accepted was forwarded (or failed); at once without `forward`. */
  forwarded(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a Langfuse-compatible server for local development: it takes OTLP (JSON or protobuf, gzip or
 * not) and the batch API with any keys, keeps the latest traces in memory and shows them live at `/`,
 * as Langfuse v4 would show them.
 *
 * @example
 * ```ts
 * import { startDevServer } from '@fusewire/dev';
 *
 * const dev = await startDevServer({ port: 0 });
 * process.env.LANGFUSE_BASE_URL = dev.url; // any LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY will do
 * console.log(`open ${dev.url}`);
 * ```
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((message: string) => process.stderr.write(`fusewire dev: ${message}\n`));
  const store = new TraceStore({
    maxTraces: options.maxTraces ?? 1000,
    maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
  });
  const views = new ViewCache(store);
  const intakeStats: IntakeStats = { otlpRequests: 0, ingestionRequests: 0, rejectedRequests: 0 };
  const forwarder = options.forward ? new Forwarder(options.forward, log) : undefined;
  const stats = (): DevServerStats => ({
    ...intakeStats,
    store: store.counters(),
    ...(forwarder ? { forward: forwarder.stats() } : {}),
    viewers: feed.clientCount,
  });
  const feed = new SseFeed(store, views, stats);
  const ui = loadUiFiles();
  const logged = new Set<string>();
  const intake = {
    store,
    stats: intakeStats,
    maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
    forwarder,
    onRejected(path: string, status: number, message: string) {
      feed.notify();
      const line = `${path} answered ${status}: ${message}`;
      if (logged.size < 100 && !logged.has(line)) {
        logged.add(line);
        log(line);
      }
    },
  };
  let port = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!trustedHost(req.headers.host, host, port)) {
      // A page on another site must not read your traces through a DNS name pointed at 127.0.0.1.
      return sendJson(res, 421, { message: 'Unexpected Host header: open the URL fusewire dev printed' });
    }
    const endpoint =
      path === '/api/public/otel/v1/traces' ? 'otlp' : path === '/api/public/ingestion' ? 'ingestion' : undefined;
    if (endpoint) {
      if (req.method !== 'POST') return sendJson(res, 405, { message: 'Method not allowed' });
      return handleIntake(intake, req, res, endpoint);
    }
    if (path === '/api/public/health') return sendJson(res, 200, { status: 'OK', version: 'fusewire-dev' });
    if (!handleDevRoute({ store, views, feed, ui, stats }, req, res, path)) {
      sendJson(res, 404, { message: 'Not found' });
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      log(`internal error on ${req.method} ${req.url}: ${error.message}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error of fusewire dev' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3100, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  if (!isLoopbackHost(host)) {
    log(
      `listening on ${host}, not loopback: anyone who reaches this port sees your traces and can send some. Use --host 127.0.0.1 unless you mean it.`,
    );
  }
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    host,
    stats,
    traces: () =>
      store
        .list()
        .reverse()
        .flatMap((t) => views.trace(t.id) ?? []),
    clear: () => store.clear(),
    forwarded: () => forwarder?.idle() ?? Promise.resolve(),
    async close() {
      feed.close();
      forwarder?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
