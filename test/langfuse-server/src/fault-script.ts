import type { Endpoint, FaultRule } from './types.js';

interface QueuedRule {
  rule: FaultRule;
  left: number;
}

/** A queue of {@link FaultRule}s, consumed in order by the requests they match. */
export class FaultScript {
  #queue: QueuedRule[] = [];

  /** Append rules; a rule with `times` below 1 is ignored. */
  add(rules: FaultRule | readonly FaultRule[]): void {
    const list: readonly FaultRule[] = Array.isArray(rules) ? rules : [rules as FaultRule];
    for (const rule of list) {
      const left = rule.times ?? 1;
      if (left >= 1) this.#queue.push({ rule, left });
    }
  }

  /** Take the first rule matching `endpoint`, using up one of its `times`. Constant time when empty. */
  take(endpoint: Endpoint): FaultRule | undefined {
    if (this.#queue.length === 0) return undefined;
    for (let i = 0; i < this.#queue.length; i++) {
      const queued = this.#queue[i]!;
      const target = queued.rule.endpoint ?? 'any';
      if (target !== 'any' && target !== endpoint) continue;
      if (--queued.left === 0) this.#queue.splice(i, 1);
      return queued.rule;
    }
    return undefined;
  }

  /** Rules not used up yet. */
  get pending(): number {
    return this.#queue.length;
  }

  clear(): void {
    this.#queue = [];
  }
}
