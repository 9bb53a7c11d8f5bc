import dc from 'dc-polyfill';
import { CHANNELS } from './channels.js';
import type { GlobalState } from '../runtime/global-state.js';

/**
 * Subscribes to the plain `langfuse.*` channels, once per process whichever bundled copy
 * asks. The subscriber forwards to whatever pipeline is running; it never throws, because
 * a throwing subscriber crashes the host app on the next tick.
 */
export function subscribeChannels(state: GlobalState): void {
  for (const [kind, name] of Object.entries(CHANNELS)) {
    if (state.subscribed.has(name)) continue;
    state.subscribed.add(name);
    dc.subscribe(name, (message: unknown) => {
      try {
        const pipeline = state.pipeline;
        if (pipeline !== undefined) pipeline.accept(kind, message, state.storage.getStore());
      } catch {
        // Only a state torn down under the subscriber gets here (jest deletes a test file's globals).
      }
    });
  }
}
