import type { DropReason } from '../model/records.js';
import { safeStringify } from '../model/safe-json.js';

/** One event fusewire could not deliver, kept for inspection. */
export interface DeadLetter {
  reason: DropReason;
  /** The channel kind or record type: trace, span, generation, score, … */
  kind: string;
  /** What went wrong: a zod path and message, or the server's answer. */
  message: string;
  /** HTTP status, when the server rejected it. */
  status?: number;
  /** Ids, when known. */
  traceId?: string;
  id?: string;
  /** ISO time it was dead-lettered. */
  at: string;
  /** The event itself, serialised and cut to 2 KB. */
  preview: string;
}

const PREVIEW_CHARS = 2048;
/** Serialised no further than a preview needs (well past the cut, so scrubbing still sees whole secrets). */
const PREVIEW_BUDGET = { maxBytes: 4 * PREVIEW_CHARS, maxNodes: 2_000 };

/** A bounded list of the most recent undeliverable events (oldest evicted first). */
export class DeadLetterList {
  readonly #capacity: number;
  readonly #items: DeadLetter[] = [];
  readonly #scrub: (s: string) => string;
  total = 0;

  constructor(capacity: number, scrub: (s: string) => string) {
    this.#capacity = capacity;
    this.#scrub = scrub;
  }

  add(entry: Omit<DeadLetter, 'at' | 'preview'>, payload: unknown): void {
    this.total++;
    if (this.#capacity === 0) return;
    // Scrub before cutting: a secret cut in half at the end would otherwise survive the scrub.
    let preview = this.#scrub(safeStringify(payload, PREVIEW_BUDGET) ?? 'undefined');
    if (preview.length > PREVIEW_CHARS) preview = `${preview.slice(0, PREVIEW_CHARS)}…(${preview.length} chars)`;
    const item: DeadLetter = {
      ...entry,
      message: this.#scrub(entry.message),
      at: new Date().toISOString(),
      preview,
    };
    if (this.#items.length >= this.#capacity) this.#items.shift();
    this.#items.push(item);
  }

  list(): DeadLetter[] {
    return this.#items.slice();
  }

  get size(): number {
    return this.#items.length;
  }
}
