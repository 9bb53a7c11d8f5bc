/**
 * Where a request's trace is kept, shared by request-trace.ts, route-pattern.ts and middleware.ts.
 */

/**
 * Request → its trace (an ActiveRequestTrace), one map per process: kept on `globalThis` under a
 * `Symbol.for` key, so every bundled copy of the adapter (ESM and CJS side by side) finds the
 * trace another copy made. A WeakMap rather than a property on the request: Express gives every
 * request a map (shape) of its own, so a property added to it copies its ~35 descriptors into a
 * new map, and every later read of the request from optimised code misses (~1 µs per request in
 * a hello world; a WeakMap entry costs a fraction of that).
 */
export const REQUEST_TRACES: WeakMap<object, unknown> = sharedMap();

function sharedMap(): WeakMap<object, unknown> {
  const key = Symbol.for('fusewire.express.request-traces');
  const holder = globalThis as { [key]?: unknown };
  const found = holder[key];
  if (found instanceof WeakMap) return found as WeakMap<object, unknown>;
  const map = new WeakMap<object, unknown>();
  try {
    Object.defineProperty(globalThis, key, { value: map, configurable: true });
  } catch {
    // A frozen global: this copy keeps its own map (another copy's traces stay invisible to it).
  }
  return map;
}

/**
 * On an ActiveRequestTrace: the route Express matched and the mount path then in force. Kept on
 * the trace rather than the request, so a match adds no properties to the request.
 */
export const ROUTE_MATCH: unique symbol = Symbol('fusewire.express.route-match');

export interface RouteMatch {
  route: unknown;
  base: unknown;
}
