import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the probe endpoints ask. */
export interface ProbeTarget {
  isLive(): Promise<boolean>;
  isReady(): Promise<boolean>;
}

/** A running probe server. */
export interface ProbeServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /livez` and `GET /readyz` for an orchestrator: 200 `ok` or 503 `not live` / `not ready`.
 * Nothing else is served, and nothing about the configuration is ever shown.
 */
export async function startProbeServer(target: ProbeTarget, port: number, host = '0.0.0.0'): Promise<ProbeServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const check = path === '/livez' ? target.isLive : path === '/readyz' ? target.isReady : undefined;
    if (req.method !== 'GET' || check === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    check.call(target).then(
      (ok) =>
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
          .end(ok ? 'ok\n' : `not ${path === '/livez' ? 'live' : 'ready'}\n`),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('probe failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
