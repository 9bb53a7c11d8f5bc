import { AsyncLocalStorage } from 'node:async_hooks';
import type { ContextStore } from '../api/context.js';

/** What the process-wide pipeline must offer the subscribers (they may come from another bundled copy). */
export interface PipelineEntry {
  accept(kind: string, message: unknown, store: ContextStore | undefined): void;
  /** Share of traces kept (0 to 1); instrumentation decides once per trace. Absent on older copies: 1. */
  readonly sampleRate?: number;
  /** True once the pipeline stopped taking events. */
  readonly isShutdown?: boolean;
}

/**
 * Process-wide state on a `globalThis` symbol. Bundlers (Next.js) load a library once per
 * entry; keeping the pipeline, context storage and subscription guard here means every
 * copy feeds one queue. Bump the version when this shape changes incompatibly.
 */
export interface GlobalState {
  readonly version: 1;
  readonly storage: AsyncLocalStorage<ContextStore>;
  /** The running pipeline, or undefined when no client is running. */
  pipeline: PipelineEntry | undefined;
  /** The running client (typed loosely: it may come from another copy of this package). */
  client: unknown;
  /** Channels we have already subscribed to, whichever copy did it. */
  readonly subscribed: Set<string>;
}

const KEY = Symbol.for('fusewire.v1');

export function globalState(): GlobalState {
  const holder = globalThis as unknown as Record<symbol, GlobalState | undefined>;
  let state = holder[KEY];
  if (state === undefined) {
    state = {
      version: 1,
      storage: new AsyncLocalStorage<ContextStore>(),
      pipeline: undefined,
      client: undefined,
      subscribed: new Set(),
    };
    Object.defineProperty(globalThis, KEY, { value: state, enumerable: false, configurable: true, writable: true });
  }
  return state;
}
