import { STATUS_CODES } from 'node:http';
import type { ActiveObservation, ObservationAttributes, TraceAttributes } from '@fusewire/core';
import { REQUEST_TRACES, ROUTE_MATCH, type RouteMatch } from './request-keys.js';
import type { ExpressRequest } from './types.js';

/**
 * The trace of one request, as handlers see it through {@link trace}. On a request that is not
 * traced (ignored, sampled out, fusewire disabled, or no middleware) every member is a no-op.
 *
 * @example
 * ```ts
 * const t: RequestTrace = trace(req);
 * t.update({ userId: 'u-1', tags: ['beta'] });
 * ```
 */
export interface RequestTrace {
  /** The Langfuse trace id, or undefined when this request is not traced. */
  readonly traceId: string | undefined;
  /** The request's root observation, for anything {@link RequestTrace.update} does not cover. */
  readonly observation: ActiveObservation | undefined;
  /** Sets trace-level fields: `userId`, `sessionId`, `tags`, `input`, `output`, `metadata`, … Never throws. */
  update(fields: TraceAttributes): void;
}

const UNTRACED: RequestTrace = Object.freeze({
  traceId: undefined,
  observation: undefined,
  update() {},
});

/**
 * The trace of the request being handled. Safe on any request: without a trace it returns a
 * facade whose members do nothing.
 *
 * @example
 * ```ts
 * app.post('/chat', async (req, res) => {
 *   trace(req).update({ userId: req.user.id, sessionId: req.body.sessionId, tags: ['chat'] });
 *   const answer = await chat(req.body.question);
 *   trace(req).update({ output: answer });
 *   res.json({ answer, traceId: trace(req).traceId });
 * });
 * ```
 */
export function trace(req: object): RequestTrace {
  const found = typeof req === 'object' && req !== null ? REQUEST_TRACES.get(req) : undefined;
  return (found as RequestTrace | undefined) ?? UNTRACED;
}

/** What the root observation's metadata says about the request, besides the status. */
export interface RequestFacts {
  method: string;
  requestId: string | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * A traced request: the facade handlers get, plus what the middleware and the error handler
 * need to end it. Errors reach it from `errorHandler()`; the end comes from the response's `close`.
 */
export class ActiveRequestTrace implements RequestTrace {
  readonly #obs: ActiveObservation;
  readonly #facts: RequestFacts;
  #failed = false;
  #ended = false;
  #claimed = false;
  /** Set by the route accessor (route-pattern.ts) when Express matches a route. */
  [ROUTE_MATCH]: RouteMatch | undefined = undefined;

  constructor(req: ExpressRequest, observation: ActiveObservation, facts: RequestFacts) {
    this.#obs = observation;
    this.#facts = facts;
    // Nothing is added to the request itself (see REQUEST_TRACES); a frozen request works too.
    REQUEST_TRACES.set(req, this);
  }

  /** True the first time only: the call that gets it ends the trace. */
  claimEnd(): boolean {
    if (this.#claimed) return false;
    this.#claimed = true;
    return true;
  }

  /** The request method, upper-cased. */
  get method(): string {
    return this.#facts.method;
  }

  get traceId(): string {
    return this.#obs.traceId;
  }

  get observation(): ActiveObservation {
    return this.#obs;
  }

  update(fields: TraceAttributes): void {
    try {
      this.#obs.updateTrace(fields);
    } catch {
      // Never throw into a handler over telemetry.
    }
  }

  /** Marks the request failed with this error (level ERROR, its message). */
  recordError(error: unknown): void {
    if (this.#ended) return;
    this.#failed = true;
    try {
      this.#obs.recordError(error);
    } catch {
      // Telemetry must not turn an app error into a different one.
    }
  }

  /**
   * Names the root observation (and so the trace, unless a handler named it) after the route,
   * records status and outcome, and ends the root observation.
   * Idempotent. Runs from the `close` listener, so it uses only what it holds.
   */
  end(outcome: { statusCode: number | undefined; aborted: boolean; route: string | undefined; name: string }): void {
    if (this.#ended) return;
    this.#ended = true;
    const { statusCode, aborted, route, name } = outcome;
    const { method, requestId, headers } = this.#facts;
    const metadata: Record<string, unknown> = { method, route: route ?? null, statusCode: statusCode ?? null };
    if (requestId !== undefined) metadata.requestId = requestId;
    if (headers !== undefined) metadata.headers = headers;
    if (aborted) metadata.aborted = true;
    const attributes: Partial<ObservationAttributes> = { name, metadata };
    if (!this.#failed) {
      if (statusCode !== undefined && statusCode >= 500) {
        attributes.level = 'ERROR';
        attributes.statusMessage = `HTTP ${statusCode}${STATUS_CODES[statusCode] ? ` ${STATUS_CODES[statusCode]}` : ''}`;
      } else if (aborted) {
        attributes.level = 'WARNING';
        attributes.statusMessage = 'aborted: the client closed the connection before the response was sent';
      }
    }
    try {
      // A handler may have put its own metadata on the root observation: keep it beside ours.
      const own = this.#obs.metadata;
      if (own !== null && typeof own === 'object' && !Array.isArray(own)) attributes.metadata = { ...own, ...metadata };
    } catch {
      // Unreadable metadata: ours replaces it.
    }
    try {
      this.#obs.end(attributes);
    } catch {
      // Nothing to do: the response is already on its way.
    }
  }
}
