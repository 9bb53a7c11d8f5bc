import type { ExportRecord } from '../model/records.js';
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
  // A FIFO read from #head, so claiming never copies the rest of a long backlog.
  #queue: ExportRecord[] = [];
  #head = 0;
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
    while (this.#head < this.#queue.length && out.length < maxCount) {
      const record = this.#queue[this.#head]!;
      if (out.length > 0 && bytes + record.bytes > maxBytes) break;
      this.#queue[this.#head++] = undefined as unknown as ExportRecord;
      bytes += record.bytes;
      out.push(record);
    }
    this.#bytes -= bytes;
    this.#claimed += out.length;
    this.#claimedBytes += bytes;
    this.#compact();
    return out;
  }

  settle(records: ExportRecord[]): void {
    this.#unclaim(records);
  }

  release(records: ExportRecord[]): void {
    this.#unclaim(records);
    // Back to the front, in their order: they are older than anything still waiting.
    this.#queue = [...records, ...this.#queue.slice(this.#head)];
    this.#head = 0;
    for (const record of records) this.#bytes += record.bytes;
  }

  stats(): StoreStats {
    return {
      events: this.#queue.length - this.#head + this.#claimed,
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

  #compact(): void {
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      // Now and then, so the consumed prefix does not pin memory.
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
