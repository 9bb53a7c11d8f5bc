/**
 * What the instrumentation context carries: the trace and observation that anything
 * started or published here belongs to. Ids are canonical (lowercase hex).
 */
export interface ContextStore {
  readonly traceId: string;
  readonly observationId: string | undefined;
  /** Set while fusewire itself exports: our subscribers ignore anything published under it. */
  readonly suppressed?: boolean;
  /** Sampling decision for the trace, made once at its root. */
  readonly sampled?: boolean;
  /** The trace's scope (fields waiting to ride on its root), when fusewire's instrumentation made this context. */
  readonly scope?: TraceScopeEntry;
}

/**
 * The per-trace scope kept in the context by in-process traces (see trace-scope.ts). Typed
 * loosely so a scope made by another bundled copy of fusewire works here too.
 */
export interface TraceScopeEntry {
  readonly traceId: string;
  readonly sampled: boolean;
  /** Merges trace fields (name, userId, sessionId, tags, input, output, …) into the trace. */
  update(fields: unknown): void;
}

/** The store fusewire's exporter runs under, so its own HTTP calls never become events. */
export const SUPPRESSED: ContextStore = Object.freeze({ traceId: '', observationId: undefined, suppressed: true });
