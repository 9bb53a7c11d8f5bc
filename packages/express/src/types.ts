/**
 * The parts of Express this adapter touches, described locally (as Sentry does) so the adapter
 * never imports `express` at runtime and works with Express 4 and 5 alike. Express's own request
 * and response objects are assignable to these.
 */

/**
 * The request as Express hands it to middleware (Express 4 and 5).
 *
 * @example
 * ```ts
 * const ignoreBots = (req: ExpressRequest) => /bot/i.test(String(req.headers['user-agent']));
 * app.use(middleware(client, { ignore: ignoreBots }));
 * ```
 */
export interface ExpressRequest {
  method: string;
  url: string;
  /** Path without the query string. */
  path?: string;
  originalUrl?: string;
  /** The mount path of the router currently handling the request. */
  baseUrl?: string;
  /** The matched route, once routing found one. */
  route?: { path?: unknown } | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Set by pino-http (`genReqId`). */
  id?: unknown;
  /** Set by pino-http. */
  log?: unknown;
}

/**
 * The response as Express hands it to middleware (Express 4 and 5).
 *
 * @example
 * ```ts
 * const statusOf = (res: ExpressResponse) => res.statusCode;
 * ```
 */
export interface ExpressResponse {
  statusCode: number;
  headersSent?: boolean;
  writableFinished?: boolean;
  /** Read by pino-http when it logs the finished request. */
  err?: unknown;
  log?: unknown;
  on(event: 'finish' | 'close', listener: () => void): unknown;
  removeListener(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * Express's `next`.
 *
 * @example
 * ```ts
 * const passOn = (err: unknown, next: NextFunction) => next(err);
 * ```
 */
export type NextFunction = (err?: unknown) => void;

/**
 * A regular middleware, as {@link middleware} returns.
 *
 * @example
 * ```ts
 * const tracing: RequestHandler = middleware(client);
 * app.use(tracing);
 * ```
 */
export type RequestHandler = (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => void;

/**
 * An error middleware, as {@link errorHandler} returns: Express recognises it by its four parameters.
 *
 * @example
 * ```ts
 * const recordErrors: ErrorRequestHandler = errorHandler();
 * app.use(recordErrors);
 * ```
 */
export type ErrorRequestHandler = (err: unknown, req: ExpressRequest, res: ExpressResponse, next: NextFunction) => void;
