import dc from 'dc-polyfill';
import type { ContextStore } from '../api/context.js';
import type { GlobalState } from '../runtime/global-state.js';
import type { Observation } from '../api/observation.js';
import { openObservation } from '../api/open-observation.js';
import { CONTEXT_OBSERVATION, OBSERVATION_BRAND } from '../runtime/global-state.js';
import { subscriptionKey, TRACED_TYPES, TRACING_CHANNELS } from './tracing-channels.js';

type Context = Record<PropertyKey, unknown>;

const isContext = (ctx: unknown): ctx is Context => typeof ctx === 'object' && ctx !== null;

/**
 * Subscribes to the `langfuse.<type>` TracingChannels, once per process whichever bundled
 * copy asks. `start.bindStore` makes a new observation the current context inside the
 * traced function and all its continuations, which is how nesting works without passing
 * ids; `end` (sync) and `asyncEnd` (promise, callback) end it.
 *
 * Contexts published by `instrument()` are fusewire observations that run their own
 * lifecycle: the store transform only hands them back. Any other context object (from
 * `tracePromise`, `traceSync`, `traceCallback` or manual publishing) gets an observation
 * kept on it under a symbol. Nothing here ever throws: a throwing transform or subscriber
 * crashes the host app on the next tick.
 */
export function subscribeTracingChannels(state: GlobalState): void {
  for (const type of TRACED_TYPES) {
    const name = TRACING_CHANNELS[type];
    const key = subscriptionKey(type);
    if (state.subscribed.has(key)) continue;
    state.subscribed.add(key);

    const open = (ctx: Context, parent: ContextStore | undefined): Observation | undefined => {
      const pipeline = state.pipeline;
      if (pipeline === undefined || pipeline.isShutdown === true) return undefined;
      const previous = ctx[CONTEXT_OBSERVATION] as Observation | undefined;
      if (previous !== undefined) {
        if (!previous.ended) return previous;
        // The same context object traced again: the last run's result/error are stale.
        delete ctx.result;
        delete ctx.error;
      }
      const obs = openObservation(type, ctx as never, parent, pipeline);
      if (obs !== undefined) ctx[CONTEXT_OBSERVATION] = obs;
      return obs;
    };

    dc.channel(`tracing:${name}:start`).bindStore(state.storage, (ctx: unknown) => {
      let parent: ContextStore | undefined;
      try {
        // Inside the try: under jest, a test file's globals (this state included) are deleted
        // when it ends, while this process-wide subscription lives on into the next file.
        parent = state.storage.getStore();
        if (!isContext(ctx)) return parent as ContextStore;
        if (ctx[OBSERVATION_BRAND] === true) return ctx as unknown as ContextStore;
        const previous = ctx[CONTEXT_OBSERVATION] as Observation | undefined;
        if (previous !== undefined && !previous.ended) previous.end();
        return open(ctx, parent) ?? (parent as ContextStore);
      } catch {
        return parent as ContextStore;
      }
    });

    // Manual publishing (start.publish without runStores) gets an observation too, unbound.
    dc.subscribe(`tracing:${name}:start`, (ctx: unknown) => {
      try {
        if (!isContext(ctx) || ctx[OBSERVATION_BRAND] === true) return;
        open(ctx, state.storage.getStore());
      } catch {
        // Never into the publisher.
      }
    });

    // `end` closes sync work: traceSync (result or error set) and a synchronous throw.
    // tracePromise/traceCallback end later, on asyncEnd.
    dc.subscribe(`tracing:${name}:end`, (ctx: unknown) => {
      try {
        if (!isContext(ctx) || ctx[OBSERVATION_BRAND] === true) return;
        if ('result' in ctx || 'error' in ctx) finish(ctx);
      } catch {
        // Never into the publisher.
      }
    });

    dc.subscribe(`tracing:${name}:asyncEnd`, (ctx: unknown) => {
      try {
        if (!isContext(ctx) || ctx[OBSERVATION_BRAND] === true) return;
        finish(ctx);
      } catch {
        // Never into the publisher.
      }
    });
  }
}

function finish(ctx: Context): void {
  const obs = ctx[CONTEXT_OBSERVATION] as Observation | undefined;
  if (obs !== undefined) obs.endFromContext(ctx);
}
