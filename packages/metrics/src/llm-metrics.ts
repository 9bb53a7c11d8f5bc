import { convertUsageDetails } from '@fusewire/langfuse-model';
import type { RecordMessage } from '@fusewire/core';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ModelLabels } from './model-labels.js';

const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

/** Token, cost, latency and error metrics by model, from generations as fusewire settles them. */
export class LlmMetrics {
  readonly #models: ModelLabels;
  readonly #tokens: Counter<'model' | 'type'>;
  readonly #cost: Counter<'model'>;
  readonly #duration: Histogram<'model'>;
  readonly #ttft: Histogram<'model'>;
  readonly #errors: Counter<'model'>;

  constructor(register: Registry, prefix: string, maxModels: number) {
    this.#models = new ModelLabels(maxModels);
    const registers = [register];
    this.#tokens = new Counter({
      name: `${prefix}llm_tokens_total`,
      help: 'LLM tokens by model and usage type (Langfuse usage keys: input, output, input_cached_tokens, …)',
      labelNames: ['model', 'type'],
      registers,
    });
    this.#cost = new Counter({
      name: `${prefix}llm_cost_total`,
      help: 'LLM cost by model, from the published costDetails (USD unless you publish otherwise)',
      labelNames: ['model'],
      registers,
    });
    this.#duration = new Histogram({
      name: `${prefix}llm_duration_seconds`,
      help: 'LLM call duration by model',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#ttft = new Histogram({
      name: `${prefix}llm_time_to_first_token_seconds`,
      help: 'Time from an LLM call’s start to its first streamed token, by model',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#errors = new Counter({
      name: `${prefix}llm_errors_total`,
      help: 'LLM calls recorded with level ERROR, by model',
      labelNames: ['model'],
      registers,
    });
  }

  observe(record: RecordMessage): void {
    if (record.kind !== 'generation') return;
    const model = this.#models.label(record.model);
    // The same conversion Langfuse applies, so these numbers match what its UI shows.
    const usage = record.usageDetails !== undefined ? convertUsageDetails(record.usageDetails) : undefined;
    for (const [type, count] of Object.entries(usage ?? {})) {
      if (typeof count === 'number' && count > 0) this.#tokens.inc({ model, type }, count);
    }
    const cost = totalCost(record.costDetails);
    if (cost > 0) this.#cost.inc({ model }, cost);
    if (record.startTime !== undefined && record.endTime !== undefined && record.endTime >= record.startTime) {
      this.#duration.observe({ model }, (record.endTime - record.startTime) / 1000);
    }
    if (record.startTime !== undefined && record.completionStartTime !== undefined) {
      const ttft = record.completionStartTime - record.startTime;
      if (ttft >= 0) this.#ttft.observe({ model }, ttft / 1000);
    }
    if (record.level === 'ERROR') this.#errors.inc({ model });
  }
}

/** `costDetails.total` when given (Langfuse's convention), else the sum of the parts. */
function totalCost(details: Record<string, unknown> | undefined): number {
  if (details === undefined) return 0;
  if (typeof details.total === 'number') return details.total;
  let sum = 0;
  for (const value of Object.values(details)) if (typeof value === 'number' && value > 0) sum += value;
  return sum;
}
