import type { ExportRecord } from '../model/records.js';
import { Fifo } from '../runtime/fifo.js';
import type { EventStore, StoreStats } from './store.js';

/**
 * The default {@link EventStore}: records wait in memory, in order. Not durable (a crash loses
 * what it holds); bounded by the pipeline's `maxQueueSize`/`maxQueueBytes`, so it never refuses.
 *
 * @example
 * ```ts
 * import { createFusewire, createMemoryStore } from '@fusewire/core';
 * createFusewire({ store: createMemoryStore() });
 * ```
 */
export function createMemoryStore(): EventStore {
  return new MemoryStore();
}

class MemoryStore implements EventStore {
  readonly name = 'memory';
  readonly durable = false;
  // Everything it holds is in memory: the pipeline's queue bounds count it all.
  readonly boundsItself = false;
  readonly #queue = new Fifo<ExportRecord>();
  #bytes = 0;
  #claimed = 0;
  #claimedBytes = 0;

  append(records: ExportRecord[]): { refused: ExportRecord[] } {
    for (const record of records) {
      this.#queue.push(record);
      this.#bytes += record.bytes;
    }
    return { refused: [] };
  }

  claim(maxCount: number, maxBytes: number): ExportRecord[] {
    const out: ExportRecord[] = [];
    let bytes = 0;
    for (let record = this.#queue.peek(); record !== undefined && out.length < maxCount; record = this.#queue.peek()) {
      if (out.length > 0 && bytes + record.bytes > maxBytes) break;
      this.#queue.shift();
      bytes += record.bytes;
      out.push(record);
    }
    this.#bytes -= bytes;
    this.#claimed += out.length;
    this.#claimedBytes += bytes;
    return out;
  }

  settle(records: ExportRecord[]): void {
    this.#unclaim(records);
  }

  release(records: ExportRecord[]): void {
    this.#unclaim(records);
    this.#queue.unshiftAll(records);
    for (const record of records) this.#bytes += record.bytes;
  }

  stats(): StoreStats {
    return {
      events: this.#queue.size + this.#claimed,
      bytes: this.#bytes + this.#claimedBytes,
      healthy: true,
    };
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #unclaim(records: ExportRecord[]): void {
    for (const record of records) {
      this.#claimed--;
      this.#claimedBytes -= record.bytes;
    }
  }
}
