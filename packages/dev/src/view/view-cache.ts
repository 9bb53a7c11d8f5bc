import type { TraceStore } from '../store/trace-store.js';
import type { StoredTrace } from '../store/types.js';
import { modelTrace, summarize, toViewTrace } from './assemble.js';
import type { TraceSummary, ViewTrace } from './types.js';

interface Entry {
  version: number;
  view: ViewTrace;
  summary: TraceSummary;
}

/**
 * Assembled traces, computed once per stored version: the list, the SSE feed and the trace page all
 * read the same object. Entries of evicted traces go with them.
 */
export class ViewCache {
  readonly #store: TraceStore;
  readonly #entries = new Map<string, Entry>();

  constructor(store: TraceStore) {
    this.#store = store;
    store.subscribe((change) => {
      if (change.type === 'evicted') this.#entries.delete(change.id);
    });
  }

  #entry(stored: StoredTrace): Entry | undefined {
    const cached = this.#entries.get(stored.id);
    if (cached?.version === stored.version) return cached;
    const trace = modelTrace(stored);
    if (!trace) return undefined;
    const view = toViewTrace(trace, stored.lastReceivedAt);
    const entry = { version: stored.version, view, summary: summarize(trace, view) };
    this.#entries.set(stored.id, entry);
    return entry;
  }

  trace(id: string): ViewTrace | undefined {
    const stored = this.#store.get(id);
    return stored ? this.#entry(stored)?.view : undefined;
  }

  summary(id: string): TraceSummary | undefined {
    const stored = this.#store.get(id);
    return stored ? this.#entry(stored)?.summary : undefined;
  }

  /** Most recently updated first. */
  summaries(): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const stored of this.#store.list()) {
      const summary = this.#entry(stored)?.summary;
      if (summary) out.push(summary);
    }
    return out;
  }
}
