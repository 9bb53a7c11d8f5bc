import http from 'node:http';

export interface LoadResult {
  /** Requests answered 2xx, with the trace id the app reported. */
  ok: Array<{ n: number; traceId: string }>;
  /** Requests that failed (refused or reset once the app stopped listening). */
  failed: number;
}

/**
 * Plain `http.request` loops against 127.0.0.1 only, bounded in count and in time:
 * `concurrency` loops, `count` requests at most, none started after `untilMs`.
 */
export function runLoad(opts: { port: number; count: number; concurrency: number; untilMs: number }): {
  done: Promise<LoadResult>;
  stop(): void;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const result: LoadResult = { ok: [], failed: 0 };
  let next = 0;
  let stopped = false;
  const deadline = Date.now() + opts.untilMs;
  const one = (n: number) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: opts.port, path: `/work/${n}`, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          try {
            if (res.statusCode === 200) result.ok.push({ n, traceId: JSON.parse(body).traceId });
            else result.failed++;
          } catch {
            result.failed++;
          }
          resolve();
        });
        res.on('error', () => {
          result.failed++;
          resolve();
        });
      });
      req.on('error', () => {
        result.failed++;
        resolve();
      });
    });
  const loop = async () => {
    while (!stopped && next < opts.count && Date.now() < deadline) await one(next++);
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, loop)).then(() => {
    agent.destroy();
    return result;
  });
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}
