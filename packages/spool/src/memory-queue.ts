import type { ExportRecord } from './seam.js';

/**
 * Where events wait while the file cannot take them (disk full, read-only, locked, corrupt), in
 * order, bounded in bytes. Not durable: the spool says so in stats and health while it holds any.
 */
export class MemoryQueue {
  readonly #maxBytes: number;
  #queue: ExportRecord[] = [];
  #head = 0;
  #bytes = 0;
  readonly #claimed = new Set<ExportRecord>();
  #claimedBytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Keeps what fits; returns what did not. */
  push(records: ExportRecord[]): ExportRecord[] {
    let i = 0;
    for (; i < records.length; i++) {
      const r = records[i]!;
      if (this.#bytes + this.#claimedBytes + r.bytes > this.#maxBytes) break;
      this.#queue.push(r);
      this.#bytes += r.bytes;
    }
    return i === records.length ? [] : records.slice(i);
  }

  /** The unclaimed records, oldest first (to move them back into the file), emptying the queue. */
  takeAll(): ExportRecord[] {
    const out = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    return out;
  }

  /** Puts records back at the front, in their order (a move into the file failed). */
  unshift(records: ExportRecord[]): void {
    this.#queue = [...records, ...this.#queue.slice(this.#head)];
    this.#head = 0;
    for (const r of records) this.#bytes += r.bytes;
  }

  claim(maxCount: number, maxBytes: number, out: ExportRecord[], bytesSoFar: number): void {
    let bytes = bytesSoFar;
    while (this.#head < this.#queue.length && out.length < maxCount) {
      const r = this.#queue[this.#head]!;
      if (out.length > 0 && bytes + r.bytes > maxBytes) break;
      this.#queue[this.#head++] = undefined as unknown as ExportRecord;
      this.#bytes -= r.bytes;
      bytes += r.bytes;
      this.#claimed.add(r);
      this.#claimedBytes += r.bytes;
      out.push(r);
    }
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  /** Claimed records go back to the front, in their order. */
  release(records: ExportRecord[]): void {
    const back = records.filter((r) => this.settle(r));
    if (back.length > 0) this.unshift(back);
  }

  /** True if the record was claimed from here (and is now forgotten). */
  settle(record: ExportRecord): boolean {
    if (!this.#claimed.delete(record)) return false;
    this.#claimedBytes -= record.bytes;
    return true;
  }

  get unclaimed(): number {
    return this.#queue.length - this.#head;
  }

  get events(): number {
    return this.#queue.length - this.#head + this.#claimed.size;
  }

  get bytes(): number {
    return this.#bytes + this.#claimedBytes;
  }
}
