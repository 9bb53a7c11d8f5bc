import type { ContextStore } from './context.js';
import { globalState } from '../runtime/global-state.js';
import { newTraceId, sampledIn, toTraceId } from '../model/ids.js';
import { now } from '../runtime/clock.js';
import { runningPipeline } from './open-observation.js';
import { thenOf, watchThenable } from './passthrough.js';
import { type TraceAttributes, TraceScope } from './trace-scope.js';

const storage = globalState().storage;

function current(): ContextStore | undefined {
  const store = storage.getStore();
  return store === undefined || store.suppressed === true || store.traceId === '' ? undefined : store;
}

/**
 * The current trace id (32 lowercase hex), for logs and for linking scores; undefined
 * outside a trace or when fusewire is not running.
 *
 * @example
 * ```ts
 * logger.info({ traceId: getCurrentTraceId() }, 'retrieved documents');
 * ```
 */
export function getCurrentTraceId(): string | undefined {
  return current()?.traceId;
}

/**
 * The current observation id (16 lowercase hex); undefined outside an observation (at the
 * top of a `withTrace` block, for instance) or when fusewire is not running.
 *
 * @example
 * ```ts
 * channel('langfuse.score').publish({ name: 'relevance', value: 0.8, traceId: getCurrentTraceId(), observationId: getCurrentObservationId() });
 * ```
 */
export function getCurrentObservationId(): string | undefined {
  return current()?.observationId;
}

/**
 * Runs `fn` inside a trace: the given id (any string; non-hex ids are hashed, so the same
 * string always lands on the same trace) or a new one. Attributes become the trace's fields.
 * No observation is created: observations started inside are the trace's roots. Sampling is
 * decided here, once for the trace. `fn`'s result, promise or thenable is passed through.
 *
 * @example
 * ```ts
 * await withTrace({ id: req.id, name: 'checkout', userId: user.id, sessionId }, async () => {
 *   await instrument('span', { name: 'charge' }, () => charge(cart));
 * });
 * ```
 */
export function withTrace<T>(trace: string | (TraceAttributes & { id?: string }), fn: () => T): T {
  const pipeline = runningPipeline();
  if (pipeline === undefined) return fn();
  let store: ContextStore;
  try {
    const attrs = typeof trace === 'string' ? undefined : trace;
    const given = typeof trace === 'string' ? trace : attrs?.id;
    const traceId = typeof given === 'string' && given !== '' ? toTraceId(given) : newTraceId();
    const sampled = sampledIn(traceId, pipeline.sampleRate ?? 1);
    const scope = new TraceScope(traceId, sampled, given === undefined || given === '', sampled ? now() : 0);
    if (attrs !== undefined && attrs !== null) scope.update(attrs);
    store = { traceId, observationId: undefined, sampled, scope };
  } catch {
    return fn();
  }
  return storage.run(store, runScoped, store.scope as TraceScope, fn) as T;
}

function runScoped(scope: TraceScope, fn: () => unknown): unknown {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    scope.close();
    throw error;
  }
  const then = thenOf(result);
  if (then === undefined) {
    scope.close();
    return result;
  }
  return watchThenable(
    result,
    then,
    (value) => {
      scope.close();
      return value;
    },
    (error) => {
      scope.close();
      throw error;
    },
  );
}

/**
 * Merges fields into the current trace from anywhere below it: user, session, tags (merged
 * as a set), input, output, metadata, … They are sent with the trace's root observation, or
 * at once when it has already ended. A no-op outside a trace.
 *
 * @example
 * ```ts
 * updateCurrentTrace({ userId: session.userId, tags: ['beta'] });
 * ```
 */
export function updateCurrentTrace(fields: TraceAttributes): void {
  try {
    const store = current();
    if (store === undefined || store.sampled === false) return;
    if (store.scope !== undefined) {
      store.scope.update(fields);
      return;
    }
    // A context made by something else (no scope): publish the update on its own.
    const pipeline = runningPipeline();
    if (pipeline !== undefined && typeof fields === 'object' && fields !== null) {
      pipeline.accept('trace', { ...fields, id: store.traceId }, store);
    }
  } catch {
    // Never into the caller.
  }
}

// A user's "do not trace this": nothing inside is recorded or counted, like our own exports.
const UNTRACED: ContextStore = Object.freeze({ traceId: '', observationId: undefined, suppressed: true });

/**
 * Runs `fn` with tracing off: nothing instrumented or published inside it (across awaits) is
 * recorded, and none of it counts in `stats()`. For work you never want traced: health checks,
 * an ignored route, a polling loop. `fn`'s result passes through untouched.
 *
 * @example
 * ```ts
 * app.get('/health', (req, res) => withoutTracing(() => checkDatabase().then(() => res.send('ok'))));
 * ```
 */
export function withoutTracing<T>(fn: () => T): T {
  return storage.run(UNTRACED, fn);
}
