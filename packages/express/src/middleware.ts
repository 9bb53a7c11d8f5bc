import {
  type Fusewire,
  getFusewire,
  type ObservationAttributes,
  parseTraceparent,
  startObservation,
  withoutTracing,
} from '@fusewire/core';
import { Socket } from 'node:net';
import { createFlushCoalescer } from './flush-coalescer.js';
import { type ExpressTracingOptions, resolveTracingOptions } from './options.js';
import { ActiveRequestTrace, trace } from './request-trace.js';
import { REQUEST_TRACES } from './request-keys.js';
import { matchedRoute, watchRoute } from './route-pattern.js';
import { endFromServer, listenToServers } from './server-ends.js';
import type { ExpressRequest, ExpressResponse, NextFunction, RequestHandler } from './types.js';

const SKIP = Symbol('fusewire.skip');
/** On a response that does not point at its request (`res.req`): what the shared `close` listener needs. */
const PENDING = Symbol('fusewire.express.pending');

type Traced = ExpressResponse & { [PENDING]?: { traced: ActiveRequestTrace; req: ExpressRequest } | undefined };
const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

function isClient(value: unknown): value is Fusewire {
  return typeof value === 'object' && value !== null && typeof (value as Fusewire).flush === 'function';
}

/**
 * Traces every request: a root observation named `METHOD /route/:pattern`, timed from arrival to
 * the response's `finish` (or its `close`, when the client aborts), with everything
 * published while handling the request nested under it. Mount it early, after pino-http if you use
 * it, and add {@link errorHandler} after your routes.
 *
 * `client` defaults to the running client (`getFusewire()`, looked up per request); with no
 * client, or a disabled one, requests pass straight through. Options are validated here, once:
 * this is the only place the adapter throws (a `FusewireConfigError`).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import pinoHttp from 'pino-http';
 * import { createFusewire } from '@fusewire/core';
 * import { errorHandler, middleware } from '@fusewire/express';
 *
 * const client = createFusewire();
 * const app = express();
 * app.use(pinoHttp());
 * app.use(middleware(client, { ignore: ['/health'] }));
 * app.get('/users/:id', (req, res) => res.json({ id: req.params.id })); // trace "GET /users/:id"
 * app.use(errorHandler());
 * ```
 */
export function middleware(client?: Fusewire | ExpressTracingOptions, options?: ExpressTracingOptions): RequestHandler {
  const explicit = isClient(client) ? client : undefined;
  const opts = resolveTracingOptions(
    explicit !== undefined || client === undefined ? options : (client as ExpressTracingOptions),
  );
  const { ignore, sample, headers, traceName, flushTimeoutMs, continueTrace } = opts;
  const current = (): Fusewire | undefined => explicit ?? getFusewire();
  const coalescer = opts.flush === 'request' ? createFlushCoalescer(() => current()?.flush(flushTimeoutMs)) : undefined;
  const warned = new Set<string>();
  const fromServers = listenToServers();

  /** Runs a user callback; if it throws, warns once and uses the fallback. */
  function ask<T>(what: string, fallback: T, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (!warned.has(what)) {
        warned.add(what);
        const message = error instanceof Error ? error.message : String(error);
        process.emitWarning(`@fusewire/express: the ${what} option threw (${message}); using the default instead.`, {
          code: 'FUSEWIRE_CALLBACK_FAILED',
        });
      }
      return fallback;
    }
  }

  /**
   * Ends a request's trace when its response is done: at `finish` for a response Node's HTTP server
   * made (heard through diagnostics channels, server-ends.ts), at `close` when the client went away
   * first (then the response is not finished). Other responses get one shared `close` listener,
   * never removed (the response emits it once, then is done with): the trace is found from the
   * response (`res.req`). A response no HTTP server made never emits `close`: `finish` ends its trace.
   */
  function settle(traced: ActiveRequestTrace, req: ExpressRequest, res: ExpressResponse, aborted: boolean): void {
    // A listener that throws would crash the app: nothing leaves this function.
    try {
      if (!traced.claimEnd()) return;
      const method = traced.method;
      const pattern = matchedRoute(req);
      const statusCode = aborted && res.headersSent !== true ? undefined : res.statusCode;
      let name = defaultName(method, pattern);
      if (traceName !== undefined) {
        const custom = ask('traceName', name, () => traceName(method, pattern, req));
        if (typeof custom === 'string' && custom !== '') name = custom;
      }
      traced.end({ statusCode, aborted, route: pattern, name });
      coalescer?.request();
    } catch {
      // Telemetry lost for this request; the app is unaffected.
    }
  }
  function settleFromListener(res: Traced, aborted: boolean): void {
    try {
      const req = (res as { req?: ExpressRequest }).req;
      const traced = req !== undefined ? trace(req) : undefined;
      if (traced instanceof ActiveRequestTrace) settle(traced, req!, res, aborted);
      else if (Object.hasOwn(res, PENDING)) {
        const pending = res[PENDING];
        if (pending !== undefined) settle(pending.traced, pending.req, res, aborted);
      }
    } catch {
      // As in settle.
    }
  }
  function onFinish(this: Traced): void {
    settleFromListener(this, false);
  }
  function onClose(this: Traced): void {
    settleFromListener(this, this.writableFinished !== true);
  }

  /** The request's trace; SKIP for an ignored or sampled-out request; undefined when not tracing at all. */
  function begin(req: ExpressRequest, res: ExpressResponse): ActiveRequestTrace | typeof SKIP | undefined {
    const running = current();
    if (running === undefined || !running.enabled) return undefined;
    // Mounted twice (app and sub-app): the first one owns the request's trace. Own-property checks on
    // the request below: every request has a fresh shape under Express, so a lookup that misses
    // walks its whole prototype chain (~0.3 µs each in a hello world; hasOwn ~25 ns).
    if (REQUEST_TRACES.has(req)) return undefined;
    if (ignore !== undefined && ask('ignore', false, () => ignore(req) === true)) return SKIP;
    if (sample !== undefined && !ask('sample', true, () => sample(req) === true)) return SKIP;

    const method = typeof req.method === 'string' ? req.method.toUpperCase() : 'GET';
    // pino-http (and the like) set `req.id` on the request itself.
    const id = Object.hasOwn(req, 'id') ? req.id : undefined;
    const requestId = id === undefined || id === null ? undefined : String(id);
    // A caller's W3C traceparent: this request's observation joins its trace, under its span.
    const traceparent = continueTrace ? req.headers?.traceparent : undefined;
    const remote = traceparent !== undefined ? parseTraceparent(traceparent) : undefined;
    // The trace is named by its root when it ends (once routing is known), unless a handler
    // named it first with trace(req).update({ name }).
    // A request a Node server received is the root of its own trace: the context its callbacks run in
    // is the server's (listen() inside an instrumented function would put every request under it) or
    // that of another request's callback. A request built in code (serverless-http) keeps its caller's.
    const received = fromSocket(req);
    const attributes: ObservationAttributes = { name: method, root: received };
    if (remote !== undefined) {
      attributes.traceId = remote.traceId;
      attributes.parentObservationId = remote.parentObservationId;
    }
    if (requestId !== undefined) attributes.trace = { metadata: { requestId } };
    const observation = startObservation('span', attributes);
    if (observation.traceId === '') return undefined; // fusewire is not running
    // Nothing below throws: an observation once started is always ended.
    const traced = new ActiveRequestTrace(req, observation, { method, requestId, headers: pickHeaders(req, headers) });
    watchRoute(req);
    if (fromServers && endFromServer(res, { res, end: (aborted) => settle(traced, req, res, aborted) })) {
      rebindLog(req, traced.traceId);
      return traced;
    }
    // The listener finds the trace through `res.req` (Node and Express both set it): a property
    // added to the response per request cost ~1-2 µs in a hello world (its shape changes under
    // Node's HTTP code). Only a response that does not point at its request gets one.
    if ((res as { req?: unknown }).req !== req) (res as Traced)[PENDING] = { traced, req };
    res.on('close', onClose);
    // `close` comes from Node's server code and the socket: a response built without them
    // (serverless-http on Lambda) only ever emits `finish`, and its trace would never end.
    const socket = (res as { socket?: unknown }).socket;
    if (!(socket instanceof Socket)) {
      res.on('finish', onFinish);
      // A pipelined request whose response waits behind an earlier one: Node gives the response its
      // socket only when its turn comes, so if the connection dies first the response never emits
      // `close` (nor `finish`). The request does: Node destroys the requests it still holds.
      if (socket == null && received) {
        (req as ExpressRequest & { once(event: 'close', listener: () => void): unknown }).once('close', () => {
          if (res.writableFinished !== true) settle(traced, req, res, true);
        });
      }
    }

    rebindLog(req, traced.traceId);
    return traced;
  }

  return function fusewireMiddleware(req: ExpressRequest, res: ExpressResponse, next: NextFunction): void {
    let traced: ActiveRequestTrace | typeof SKIP | undefined;
    try {
      traced = begin(req, res);
    } catch {
      traced = undefined;
    }
    if (traced === undefined) {
      next();
      return;
    }
    if (traced === SKIP) {
      // Ignored or sampled out: nothing the handlers instrument becomes a trace either.
      withoutTracing(next);
      return;
    }
    let called = false;
    try {
      traced.observation.run(() => {
        called = true;
        next();
      });
    } catch (error) {
      // An error from the app's own chain keeps its way; one from us must not skip the chain.
      if (called) throw error;
      next();
    }
  };
}

/** Trace names by method and route pattern: built once per route, not per request. */
const NAMES = new Map<string, Map<string | undefined, string>>();
/** Routes are few; this only bounds an app that makes route patterns up per request. */
const MAX_NAMES_PER_METHOD = 1_000;

function defaultName(method: string, route: string | undefined): string {
  let names = NAMES.get(method);
  if (names === undefined) {
    if (NAMES.size >= MAX_NAMES_PER_METHOD) return nameOf(method, route);
    names = new Map();
    NAMES.set(method, names);
  }
  let name = names.get(route);
  if (name === undefined) {
    name = nameOf(method, route);
    if (names.size < MAX_NAMES_PER_METHOD) names.set(route, name);
  }
  return name;
}

function nameOf(method: string, route: string | undefined): string {
  return route !== undefined ? `${method} ${route}` : `${method} (unmatched)`;
}

function pickHeaders(req: ExpressRequest, names: readonly string[]): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers?.[name];
    if (value === undefined) continue;
    picked[name] = SENSITIVE_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return picked;
}

function fromSocket(req: ExpressRequest): boolean {
  return (req as { socket?: unknown }).socket instanceof Socket;
}

/** pino-http put a logger on `req.log`: give handlers a child that carries the trace id. */
function rebindLog(req: ExpressRequest, traceId: string): void {
  try {
    if (!Object.hasOwn(req, 'log')) return; // pino-http sets it on the request itself
    const log = req.log as { child?: unknown } | null | undefined;
    if (log !== null && typeof log === 'object' && typeof log.child === 'function') {
      req.log = (log as { child(bindings: Record<string, unknown>): unknown }).child({ traceId });
    }
  } catch {
    // A read-only or exotic logger: leave it as it is.
  }
}
