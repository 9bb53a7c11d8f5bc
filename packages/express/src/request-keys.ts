/**
 * Keys on a request and on its trace, shared by request-trace.ts and route-pattern.ts. `Symbol.for`
 * for the trace, so every bundled copy of the adapter finds it; a module-local one for the match.
 */

/** The request's trace (an ActiveRequestTrace), on the request. */
export const TRACE_KEY: unique symbol = Symbol.for('fusewire.express.request-trace');

/**
 * On an ActiveRequestTrace: the route Express matched and the mount path then in force. Kept on
 * the trace rather than the request, so a match adds no properties to the request.
 */
export const ROUTE_MATCH: unique symbol = Symbol('fusewire.express.route-match');

export interface RouteMatch {
  route: unknown;
  base: unknown;
}
