import { IncomingMessage } from 'node:http';
import { REQUEST_TRACES, ROUTE_MATCH, type RouteMatch } from './request-keys.js';
import type { ExpressRequest } from './types.js';

type MatchedRoute = ExpressRequest['route'];

/** The route Express matched and the mount path in force at that moment, kept on the request. */
const ROUTE = Symbol('fusewire.express.route');
const ROUTE_BASE = Symbol('fusewire.express.route-base');

interface Watched {
  [ROUTE]: MatchedRoute;
  [ROUTE_BASE]: unknown;
  baseUrl?: string;
}

/**
 * One accessor pair for every request: no getter/setter closures made per request (a fresh pair per
 * request also turns a plain IncomingMessage into a dictionary-mode object after the first).
 */
const ROUTE_ACCESSOR: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Watched) {
    const match = slotOf(this)?.[ROUTE_MATCH];
    return match !== undefined ? match.route : this[ROUTE];
  },
  set(this: Watched, value: MatchedRoute) {
    // A traced request keeps the match on its trace: two properties added to the request here
    // cost ~2 µs per request in a hello world (the request's shape changes under Express).
    const slot = slotOf(this);
    if (slot !== undefined) {
      slot[ROUTE_MATCH] = { route: value, base: this.baseUrl };
      return;
    }
    this[ROUTE] = value;
    this[ROUTE_BASE] = this.baseUrl;
  },
};

type Slot = { [ROUTE_MATCH]: RouteMatch | undefined };

/** This copy's trace of the request, when it has one (another copy's has no ROUTE_MATCH field). */
function slotOf(req: object): Slot | undefined {
  const traced = REQUEST_TRACES.get(req);
  return typeof traced === 'object' && traced !== null && ROUTE_MATCH in traced ? (traced as Slot) : undefined;
}

/**
 * Starts watching which route pattern a request matches; read it with {@link matchedRoute}.
 *
 * Express sets `req.route` when a route matches, while `req.baseUrl` is the mount path of the
 * router that matched. When an error leaves a nested router, Express restores `req.baseUrl`
 * but keeps `req.route`, so reading both at `finish` would name `GET /users/:id` as `GET /:id`.
 * Watching the assignment of `req.route` captures the pair as it was at match time.
 *
 * The accessor goes once on Express's own request prototype (shared by every app and sub-app,
 * below each app's `app.request`): defining it on each request cost ~3 µs per request in a hello
 * world, mostly by changing the request's shape under Node's HTTP code. A request not built by
 * Express (or already holding its own `route`) gets the accessor on itself, as before.
 */
export function watchRoute(req: ExpressRequest): void {
  if (!Object.hasOwn(req, 'route') && watchedByPrototype(req)) return;
  const route = req.route;
  const base = req.baseUrl;
  try {
    Object.defineProperty(req, 'route', ROUTE_ACCESSOR);
    const watched = req as ExpressRequest & Watched;
    watched[ROUTE] = route;
    watched[ROUTE_BASE] = base;
  } catch {
    // A frozen or exotic request: matchedRoute reads the properties as they are at the end.
  }
}

/** Prototypes checked: true when the accessor is on it (or was put there). */
const PROTOTYPES = new WeakMap<object, boolean>();

/**
 * True when the request's prototype chain has the accessor: Express's request prototype is the
 * object right above `http.IncomingMessage.prototype` in the chain (express/lib/request.js).
 */
function watchedByPrototype(req: object): boolean {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto === null) return false;
  const known = PROTOTYPES.get(proto);
  if (known !== undefined) return known;
  let ok = false;
  try {
    let express: object | null = proto;
    while (express !== null && Object.getPrototypeOf(express) !== IncomingMessage.prototype) {
      express = Object.getPrototypeOf(express) as object | null;
    }
    if (express !== null && !Object.hasOwn(express, 'route')) {
      Object.defineProperty(express, 'route', ROUTE_ACCESSOR);
      ok = true;
    } else if (express !== null) {
      ok = Object.getOwnPropertyDescriptor(express, 'route')?.get === ROUTE_ACCESSOR.get;
    }
  } catch {
    ok = false;
  }
  PROTOTYPES.set(proto, ok);
  return ok;
}

/** The matched route pattern (`/users/:id`, with the router's mount path in front), or undefined. */
export function matchedRoute(req: ExpressRequest): string | undefined {
  const match = slotOf(req)?.[ROUTE_MATCH];
  if (match !== undefined) return patternOf(match.base, match.route as MatchedRoute);
  const watched = req as ExpressRequest & Partial<Watched>;
  if (Object.hasOwn(watched, ROUTE)) return patternOf(watched[ROUTE_BASE], watched[ROUTE]);
  return patternOf(req.baseUrl, req.route);
}

/** Last pattern per route object (routes live as long as the app): named without string work per request. */
const PATTERNS = new WeakMap<object, { base: unknown; pattern: string | undefined }>();

function patternOf(base: unknown, route: MatchedRoute): string | undefined {
  if (route === undefined || route === null) return undefined;
  if (typeof route !== 'object') return join(base, undefined);
  const cached = PATTERNS.get(route);
  if (cached !== undefined && cached.base === base) return cached.pattern;
  const pattern = join(base, route.path);
  PATTERNS.set(route, { base, pattern });
  return pattern;
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
