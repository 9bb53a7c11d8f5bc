import { newTraceState, type TraceState } from './trace-state.js';

/**
 * What is remembered per trace, bounded by count and bytes. Two generations instead of an LRU
 * list: a lookup promotes, and when the young generation fills (by count, or by half the byte
 * budget) the old one is dropped whole. Evicting one entry at a time from a Map's front costs
 * more and more as deleted slots pile up at the front.
 */
export class TraceMemory {
  #young = new Map<string, TraceState>();
  #old = new Map<string, TraceState>();
  #youngBytes = 0;
  #oldBytes = 0;
  #generation = 0;
  /** While a batch looks its states up, none is dropped: the young generation may overfill until release. */
  #held = false;
  readonly #generationSize: number;
  readonly #generationBytes: number;

  constructor(capacity: number, maxBytes: number) {
    this.#generationSize = Math.max(1, Math.floor(capacity / 2));
    this.#generationBytes = maxBytes / 2;
  }

  get(traceId: string): TraceState | undefined {
    return this.#young.get(traceId) ?? this.#old.get(traceId);
  }

  obtain(traceId: string, timestamp: number): TraceState {
    let state = this.#young.get(traceId);
    if (state !== undefined) return state;
    state = this.#old.get(traceId);
    if (state !== undefined) {
      this.#old.delete(traceId);
      this.#oldBytes -= state.bytes;
      this.#youngBytes += state.bytes;
      state.generation = this.#generation;
    } else {
      state = newTraceState(timestamp, this.#generation);
    }
    this.#young.set(traceId, state);
    if (!this.#held && this.#young.size >= this.#generationSize) this.#rotate();
    return state;
  }

  /** Keeps every state until {@link release}, so lookups during one batch's pass all find what it obtained. */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
    if (this.#young.size >= this.#generationSize) this.#rotate();
  }

  reweigh(state: TraceState, bytes: number): void {
    const delta = bytes - state.bytes;
    state.bytes = bytes;
    if (state.generation === this.#generation) this.#youngBytes += delta;
    else if (state.generation === this.#generation - 1) this.#oldBytes += delta;
    if (this.#youngBytes > this.#generationBytes) this.#rotate();
  }

  #rotate(): void {
    this.#old = this.#young;
    this.#oldBytes = this.#youngBytes;
    this.#young = new Map();
    this.#youngBytes = 0;
    this.#generation++;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
