import { AsyncLocalStorage } from 'node:async_hooks';
import type { ContextStore } from '../api/context.js';
import type { Turns } from './turn-budget.js';

/*
 * Every process-wide thing fusewire has lives in this module: the `Symbol.for` keys (shared by
 * every bundled copy of fusewire, and with OpenTelemetry) and the state on `globalThis`.
 */

/** Where the process-wide state lives on `globalThis`. Bump with an incompatible shape change. */
export const GLOBAL_STATE_KEY: unique symbol = Symbol.for('fusewire.v1');
/** Marks fusewire observations on a tracing-channel context (shared by every bundled copy). */
export const OBSERVATION_BRAND: unique symbol = Symbol.for('fusewire.observation.brand');
/** Where the tracing subscribers keep the observation made for a foreign context object. */
export const CONTEXT_OBSERVATION: unique symbol = Symbol.for('fusewire.observation');
/** OpenTelemetry's global API registration (read only, to suppress its tracing of our exports). */
export const OTEL_API_KEY: unique symbol = Symbol.for('opentelemetry.js.api.1');
/** OpenTelemetry's suppress-tracing context key. */
export const OTEL_SUPPRESS_KEY: unique symbol = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** What the process-wide pipeline must offer the subscribers (they may come from another bundled copy). */
export interface PipelineEntry {
  accept(kind: string, message: unknown, store: ContextStore | undefined): void;
  /**
   * Takes a fresh message object for good (no copy), stamped `acceptedAt` by the caller. For
   * fusewire's own observations and trace fields. Absent on older copies: use accept().
   */
  acceptOwn?(kind: string, message: Record<string, unknown>, acceptedAt: number): void;
  /** Share of traces kept (0 to 1); instrumentation decides once per trace. Absent on older copies: 1. */
  readonly sampleRate?: number;
  /**
   * True when the backend names an unnamed trace after its root observation and dates it by the
   * root's start (Langfuse over OTLP, PROTOCOL.md §3): a trace message carrying only those is
   * not sent. Absent on older copies: it is sent.
   */
  readonly rootNamesTrace?: boolean;
  /** True once the pipeline stopped taking events. */
  readonly isShutdown?: boolean;
  /** Adds a mask that runs after the ones before it (a second client's). Absent on older copies. */
  addMask?(mask: (value: unknown, context: { field: 'input' | 'output' | 'metadata'; kind: string }) => unknown): void;
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
  /** The running client's resolved options (for a later createFusewire() to compare with). */
  clientOptions?: unknown;
  /** Warnings given once per process (whichever copy gave them). Absent on older copies. */
  warned?: Set<string>;
  /**
   * The one event-loop budget of all background work (runtime/turn-budget.ts), whichever copy made
   * it. Absent on older copies (they pace themselves). Rename the field on an incompatible change.
   */
  turns?: Turns;
}

export function globalState(): GlobalState {
  const holder = globalThis as unknown as Record<symbol, GlobalState | undefined>;
  let state = holder[GLOBAL_STATE_KEY];
  if (state === undefined) {
    state = {
      version: 1,
      storage: new AsyncLocalStorage<ContextStore>(),
      pipeline: undefined,
      client: undefined,
      subscribed: new Set(),
      warned: new Set(),
    };
    Object.defineProperty(globalThis, GLOBAL_STATE_KEY, {
      value: state,
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
  return state;
}

/** True the first time `key` is asked for in this process. */
export function firstTimeInProcess(key: string): boolean {
  const state = globalState();
  state.warned ??= new Set();
  if (state.warned.has(key)) return false;
  state.warned.add(key);
  return true;
}
