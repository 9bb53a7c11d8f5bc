import { trace } from './request-trace.js';
import type { ErrorRequestHandler, ExpressRequest, ExpressResponse, NextFunction } from './types.js';

/**
 * Error middleware that records the error on the request's trace (level ERROR, with its
 * message), sets `res.err` so pino-http logs it, and passes the error on unchanged: the
 * response is whatever your own error handlers, or Express's default one, make of it.
 * Add it after your routes and before your own error handlers.
 *
 * @example
 * ```ts
 * app.get('/boom', () => { throw new Error('boom'); });
 * app.use(errorHandler());
 * app.use((err, req, res, next) => res.status(500).json({ error: 'internal' }));
 * ```
 */
export function errorHandler(): ErrorRequestHandler {
  // Four parameters: that is how Express tells error middleware apart.
  return function fusewireErrorHandler(
    err: unknown,
    req: ExpressRequest,
    res: ExpressResponse,
    next: NextFunction,
  ): void {
    try {
      // Duck-typed: the trace may come from another bundled copy of this adapter.
      const traced = trace(req) as { recordError?: (error: unknown) => void };
      if (typeof traced.recordError === 'function') traced.recordError(err);
      res.err = err;
    } catch {
      // Recording is best effort; the error must reach the next handler whatever happens.
    }
    next(err);
  };
}
