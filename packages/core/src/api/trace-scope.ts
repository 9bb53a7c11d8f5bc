import type { TraceScopeEntry } from './context.js';
import { now } from '../runtime/clock.js';
import { globalState } from '../runtime/global-state.js';

/**
 * Fields of a trace you set from code: `updateCurrentTrace()`, `obs.updateTrace()`, the `trace`
 * attribute, `withTrace()` (which also takes `id`). Publishing on `langfuse.trace` takes
 * {@link TraceMessage}, which adds `id` and `timestamp`.
 */
export interface TraceAttributes {
  name?: string;
  userId?: string;
  sessionId?: string;
  input?: unknown;
  output?: unknown;
  metadata?: unknown;
  tags?: string[];
  public?: boolean;
  release?: string;
  version?: string;
  environment?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const TRACE_FIELDS = [
  'name',
  'userId',
  'sessionId',
  'input',
  'output',
  'metadata',
  'public',
  'release',
  'version',
  'environment',
] as const;

/**
 * One in-process trace. Langfuse cannot update a trace without an observation, so trace
 * fields set while the trace runs wait here and are published right before the trace's
 * root observation, in the same batch: the OTLP exporter puts them on the root span and
 * no carrier span is needed. Once the scope's owner (the root observation, or the
 * `withTrace` block) has ended, later updates are published at once.
 *
 * Lives in the context store, so any bundled copy of fusewire can call its methods.
 */
export class TraceScope implements TraceScopeEntry {
  readonly traceId: string;
  readonly sampled: boolean;
  /** Created here (a fresh trace id), not joined: only then do we name and date the trace. */
  readonly #createdHere: boolean;
  readonly #startTime: number;
  #pending: Record<string, unknown> | undefined;
  /** Every tag set so far: an update replaces the trace's tags, so each one carries them all. */
  #tags: string[] | undefined;
  #named = false;
  #closed = false;
  #pendingMetadata: Record<string, unknown> | undefined;

  constructor(traceId: string, sampled: boolean, createdHere: boolean, startTime: number) {
    this.traceId = traceId;
    this.sampled = sampled;
    this.#createdHere = createdHere;
    this.#startTime = startTime;
  }

  /** Merges fields into the trace; `tags` accumulate as a set, the rest: last write wins. */
  update(fields: unknown): void {
    if (!this.sampled || typeof fields !== 'object' || fields === null) return;
    try {
      const f = fields as Record<string, unknown>;
      const pending = (this.#pending ??= {});
      for (const key of TRACE_FIELDS) {
        const value = f[key];
        if (value !== undefined) pending[key] = value;
      }
      // Metadata merges key by key (withTrace's, then updateCurrentTrace's): the exporters keep
      // merging across updates, this keeps what waits here from replacing itself.
      const previous = this.#pendingMetadata;
      if (isPlainObject(f.metadata)) {
        pending.metadata = this.#pendingMetadata =
          previous === undefined ? { ...f.metadata } : { ...previous, ...f.metadata };
      } else if (f.metadata !== undefined) this.#pendingMetadata = undefined;
      if (typeof f.name === 'string') this.#named = true;
      const tags = f.tags;
      if (Array.isArray(tags)) {
        this.#tags = this.#tags === undefined ? [...new Set(tags)] : [...new Set([...this.#tags, ...tags])];
        pending.tags = this.#tags;
      }
      if (this.#closed) this.publish();
    } catch {
      // A hostile fields object (throwing getters) costs the update, never the caller.
    }
  }

  /**
   * Called as a root observation of this trace ends, right before it is queued: the
   * waiting fields leave with it. The first root to end names an unnamed trace created here.
   * `owner` marks the observation whose end closes the scope.
   */
  rootEnded(name: unknown, owner: boolean, at?: number): void {
    if (!this.sampled) return;
    if (!this.#named && this.#createdHere && typeof name === 'string') {
      this.#named = true;
      // The trace's only root, with nothing else to say about the trace: over OTLP Langfuse names
      // and dates the trace from this root span itself, and a trace message costs ~3 µs of CPU
      // downstream, more than the rest of a root observation. Otherwise the name rides along.
      if (!(owner && this.#pending === undefined && globalState().pipeline?.rootNamesTrace === true)) {
        (this.#pending ??= {}).name = name;
      }
    }
    this.publish(at);
    if (owner) this.#closed = true;
  }

  /** The owner ended: publish what waits, and publish later updates at once. */
  close(): void {
    this.publish();
    this.#closed = true;
  }

  /** Queues the waiting fields as one `trace` message (at `at`, a clock read the caller made, if given). */
  publish(at?: number): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    this.#pendingMetadata = undefined;
    const pipeline = globalState().pipeline;
    if (pipeline === undefined) return;
    pending.id = this.traceId;
    if (this.#createdHere) pending.timestamp = this.#startTime;
    // `pending` is ours and let go of here: handed over without a copy.
    if (pipeline.acceptOwn !== undefined) pipeline.acceptOwn('trace', pending, at ?? now());
    else pipeline.accept('trace', pending, undefined);
  }
}
