import type { ExpressRequest } from './types.js';

/**
 * Returns a function that gives the matched route pattern of a request (`/users/:id`, with the
 * router's mount path in front), or undefined when no route matched.
 *
 * Express sets `req.route` when a route matches, while `req.baseUrl` is the mount path of the
 * router that matched. When an error leaves a nested router, Express restores `req.baseUrl`
 * but keeps `req.route`, so reading both at `finish` would name `GET /users/:id` as `GET /:id`.
 * Watching the assignment of `req.route` captures the pair as it was at match time.
 */
export function watchRoute(req: ExpressRequest): () => string | undefined {
  let route = req.route;
  let pattern = route !== undefined ? join(req.baseUrl, route?.path) : undefined;
  try {
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: ExpressRequest['route']) => {
        route = value;
        pattern = value !== undefined ? join(req.baseUrl, value?.path) : undefined;
      },
    });
  } catch {
    // A frozen or exotic request: fall back to reading the properties when asked.
    return () => (req.route !== undefined ? join(req.baseUrl, req.route?.path) : undefined);
  }
  return () => pattern;
}

/** `baseUrl` + route path, whatever shape the path has (string, RegExp or an array of them). */
export function join(baseUrl: unknown, path: unknown): string | undefined {
  const tail = describePath(path);
  if (tail === undefined) return undefined;
  const base = typeof baseUrl === 'string' ? baseUrl : '';
  if (base === '') return tail;
  return tail === '/' ? base : base + tail;
}

function describePath(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) {
    const parts = path.map(describePath).filter((p): p is string => p !== undefined);
    return parts.length > 0 ? parts.join(',') : undefined;
  }
  return undefined;
}
