import { type Registry, register as globalRegister } from 'prom-client';

interface Res {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * A `(req, res)` handler serving a registry in Prometheus' text format: `app.get('/metrics',
 * metricsHandler(register))` in Express (or any Node HTTP server). For a Node cluster, pass an
 * `AggregatorRegistry` and it serves the sum over the workers (call it in the primary).
 *
 * @example
 * ```ts
 * app.get('/metrics', metricsHandler());
 * ```
 */
export function metricsHandler(
  register:
    | Pick<Registry, 'contentType' | 'metrics'>
    | { contentType: string; clusterMetrics(): Promise<string> } = globalRegister,
) {
  return async (_req: unknown, res: Res): Promise<void> => {
    try {
      const body = 'clusterMetrics' in register ? await register.clusterMetrics() : await register.metrics();
      res.statusCode = 200;
      res.setHeader('content-type', register.contentType);
      res.end(body);
    } catch (error) {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain');
      res.end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}
