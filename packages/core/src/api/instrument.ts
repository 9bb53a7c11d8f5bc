import { globalState } from '../runtime/global-state.js';
import { NOOP_OBSERVATION } from './noop-observation.js';
import type { Observation } from './observation.js';
import type { ActiveObservation, ObservationAttributes } from './observation-types.js';
import { openObservation, runningPipeline } from './open-observation.js';
import { thenOf, watchThenable } from './passthrough.js';
import { OBSERVATION_TYPES, type ObservationType } from '../model/schemas.js';
import {
  type AnyTracingChannel,
  hasForeignStores,
  othersListen,
  tracingChannelFor,
} from '../channels/tracing-channels.js';

const storage = globalState().storage;
const subscribed = globalState().subscribed;
const KNOWN_TYPES: ReadonlySet<string> = new Set(OBSERVATION_TYPES);

/**
 * Runs `fn` as an observation of `type`: timed, nested under the current observation (across
 * awaits, timers and event emitters), its return value recorded as output (unless
 * `captureOutput: false` or `obs.output` was set) and a throw or rejection recorded as level
 * `ERROR`. Published on the `langfuse.<type>` TracingChannel, so other tracers see it too.
 *
 * The function's semantics are kept: a sync result comes back as is, a promise resolves or
 * rejects with the same value or the same error object, another thenable's own `then` is
 * used (a promise subclass, such as an SDK's API promise, is returned itself). With no
 * fusewire client running it just calls `fn` with a no-op observation.
 *
 * @example
 * ```ts
 * const answer = await instrument('generation', { name: 'chat', model: 'gpt-4o', input: messages }, async (obs) => {
 *   const r = await llm(messages);
 *   obs.output = r.text;
 *   obs.usageDetails = { input: r.usage.prompt_tokens, output: r.usage.completion_tokens };
 *   return r;
 * });
 * ```
 */
export function instrument<T>(
  type: ObservationType,
  attributes: ObservationAttributes,
  fn: (obs: ActiveObservation) => T,
): T {
  const channel = tracingChannelFor(type);
  // No subscriber: exactly what a bare TracingChannel costs.
  if (channel !== undefined && !channel.hasSubscribers) return fn(NOOP_OBSERVATION);
  const obs = begin(type, attributes);
  if (obs === undefined) return fn(NOOP_OBSERVATION);
  return storage.run(obs, body, published(channel, type), obs, fn, undefined, undefined) as T;
}

/**
 * Returns `fn` instrumented: each call runs as an observation, exactly as {@link instrument}
 * does, with `this` and the arguments passed through untouched. `attributes` may be a
 * function of the call's arguments.
 *
 * @example
 * ```ts
 * const search = wrap('retriever', (query: string) => ({ name: 'search', input: query }), rawSearch);
 * const docs = await search('fusewire');
 * ```
 */
export function wrap<F extends (...args: any[]) => any>(
  type: ObservationType,
  attributes: ObservationAttributes | ((...args: Parameters<F>) => ObservationAttributes),
  fn: F,
): F {
  if (typeof fn !== 'function') return fn;
  const channel = tracingChannelFor(type);
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    // Called with `new`: construct the original, uninstrumented (a constructor is not a block of work).
    if (new.target !== undefined) return Reflect.construct(fn, args, new.target === wrapped ? fn : new.target);
    if (channel !== undefined && !channel.hasSubscribers) return Reflect.apply(fn, this, args);
    if (runningPipeline() === undefined) return Reflect.apply(fn, this, args);
    let attrs: ObservationAttributes | undefined;
    if (typeof attributes === 'function') {
      try {
        attrs = Reflect.apply(attributes, this, args) as ObservationAttributes;
      } catch {
        attrs = undefined;
      }
    } else {
      attrs = attributes;
    }
    const obs = begin(type, attrs);
    if (obs === undefined) return Reflect.apply(fn, this, args);
    return storage.run(obs, body, published(channel, type), obs, fn, this, args);
  };
  try {
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  } catch {
    // Cosmetic only.
  }
  return wrapped as unknown as F;
}

/**
 * Starts an observation that you end yourself, for work that outlives a block: a streamed
 * generation, a request. It becomes the parent of what runs inside `obs.run(fn)`. Call
 * `obs.markFirstChunk()` at the first chunk and `obs.end()` when done.
 *
 * @example
 * ```ts
 * const obs = startObservation('generation', { name: 'chat', model: 'gpt-4o', input: messages });
 * let text = '';
 * for await (const chunk of stream) { obs.markFirstChunk(); text += chunk; }
 * obs.end({ output: text });
 * ```
 */
export function startObservation(type: ObservationType, attributes?: ObservationAttributes): ActiveObservation {
  return begin(type, attributes) ?? NOOP_OBSERVATION;
}

/** The channel to publish the observation's events on: none when only fusewire itself would hear them. */
function published(channel: AnyTracingChannel | undefined, type: string): AnyTracingChannel | undefined {
  return channel !== undefined && othersListen(channel, type, subscribed) ? channel : undefined;
}

/** A new observation under the current context, or undefined when there is nothing to record. */
function begin(type: string, attributes: ObservationAttributes | undefined): Observation | undefined {
  const pipeline = runningPipeline();
  if (pipeline === undefined) return undefined;
  try {
    // A type Langfuse does not know (plain JS callers) is recorded as a span, not dropped.
    return openObservation(
      typeof type === 'string' && KNOWN_TYPES.has(type) ? type : 'span',
      attributes,
      storage.getStore(),
      pipeline,
    );
  } catch {
    return undefined;
  }
}

/** How `instrument()`/`wrap()` run the caller's function: `fn(obs)` when `args` is undefined, else `fn.apply(thisArg, args)`. */
type Invocation = (
  channel: AnyTracingChannel | undefined,
  obs: Observation,
  fn: (...a: any[]) => unknown,
  thisArg: unknown,
  args: unknown[] | undefined,
) => unknown;

/** Runs inside the observation's context. */
const body: Invocation = (channel, obs, fn, thisArg, args) => {
  if (channel === undefined) return call(undefined, obs, fn, thisArg, args);
  // Another tracer bound a store to this channel: let runStores enter it (ours re-enters obs).
  if (hasForeignStores(channel)) return channel.start.runStores(obs, call, undefined, channel, obs, fn, thisArg, args);
  channel.start.publish(obs);
  return call(channel, obs, fn, thisArg, args);
};

const call: Invocation = (channel, obs, fn, thisArg, args) => {
  let result: unknown;
  try {
    result = args === undefined ? fn(obs) : Reflect.apply(fn, thisArg, args);
  } catch (error) {
    obs.error = error;
    channel?.error.publish(obs);
    obs.failed(error);
    channel?.end.publish(obs);
    throw error;
  }
  return settle(channel, obs, result);
};

/** Sync results end the observation now; thenables when they settle. Returns what the caller gets. */
function settle(channel: AnyTracingChannel | undefined, obs: Observation, result: unknown): unknown {
  const then = thenOf(result);
  if (then === undefined) {
    obs.result = result;
    obs.succeeded(result);
    channel?.end.publish(obs);
    return result;
  }
  channel?.end.publish(obs);
  return watchThenable(
    result,
    then,
    (value) => {
      obs.result = value;
      obs.succeeded(value);
      if (channel !== undefined) {
        channel.asyncStart.publish(obs);
        channel.asyncEnd.publish(obs);
      }
      return value;
    },
    (error) => {
      obs.error = error;
      obs.failed(error);
      if (channel !== undefined) {
        channel.error.publish(obs);
        channel.asyncStart.publish(obs);
        channel.asyncEnd.publish(obs);
      }
      throw error;
    },
  );
}
