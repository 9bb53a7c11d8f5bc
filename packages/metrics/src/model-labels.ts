/**
 * Keeps the `model` label bounded: the first `max` distinct models are their own series, every
 * later one is `other`. A label never carries an id or an observation name.
 */
export class ModelLabels {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  label(model: unknown): string {
    if (typeof model !== 'string' || model === '') return 'unknown';
    if (this.#seen.has(model)) return model;
    if (this.#seen.size >= this.#max) return 'other';
    this.#seen.add(model);
    return model;
  }
}
