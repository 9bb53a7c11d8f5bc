export { errorHandler } from './error-handler.js';
export { middleware } from './middleware.js';
export type { ExpressTracingOptions, FlushMode } from './options.js';
export { type RequestTrace, trace } from './request-trace.js';
export type { ErrorRequestHandler, ExpressRequest, ExpressResponse, NextFunction, RequestHandler } from './types.js';
