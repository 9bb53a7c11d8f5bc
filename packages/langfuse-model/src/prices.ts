import type { PriceTable } from './types.js';

/**
 * A few models priced on the usage keys Langfuse's own price list uses for them (USD per token). Only
 * keys a price lists get a cost: a flattened `prompt_tokens_details_cached_tokens` gets none.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o': {
    input: 2.5e-6,
    input_cached_tokens: 1.25e-6,
    input_cache_read: 1.25e-6,
    cache_read_input_tokens: 1.25e-6,
    output: 1e-5,
  },
  'gpt-4o-mini': {
    input: 1.5e-7,
    input_cached_tokens: 7.5e-8,
    input_cache_read: 7.5e-8,
    cache_read_input_tokens: 7.5e-8,
    output: 6e-7,
  },
  'claude-sonnet-4': {
    input: 3e-6,
    input_tokens: 3e-6,
    output: 1.5e-5,
    output_tokens: 1.5e-5,
    cache_creation_input_tokens: 3.75e-6,
    cache_read_input_tokens: 3e-7,
    input_cache_read: 3e-7,
    input_cache_creation: 3.75e-6,
  },
};

/** The price of `model`: an exact key, else the longest key it starts with followed by `-` (dated names). */
export function priceOf(prices: PriceTable, model: string | undefined): Record<string, number> | undefined {
  if (model === undefined) return undefined;
  const name = model.toLowerCase();
  if (prices[name]) return prices[name];
  let best: string | undefined;
  for (const key of Object.keys(prices)) {
    if (name.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : prices[best];
}

/**
 * Cost as Langfuse computes it: provided cost details win whole (total = their `total`, else input +
 * output when those are the only keys); otherwise each usage key the model's price lists, summed.
 */
export function costOf(
  provided: Record<string, number> | undefined,
  usage: Record<string, number> | undefined,
  price: Record<string, number> | undefined,
): { costDetails?: Record<string, number>; totalCost: number } {
  if (provided && Object.keys(provided).length > 0) {
    const keys = Object.keys(provided);
    const total =
      provided.total ??
      (keys.every((k) => k === 'input' || k === 'output') ? (provided.input ?? 0) + (provided.output ?? 0) : undefined);
    return { costDetails: total === undefined ? provided : { ...provided, total }, totalCost: total ?? 0 };
  }
  if (!usage || !price) return { totalCost: 0 };
  const details: Record<string, number> = {};
  let total = 0;
  for (const [key, units] of Object.entries(usage)) {
    if (key === 'total' || price[key] === undefined) continue;
    details[key] = units * price[key];
    total += details[key];
  }
  if (Object.keys(details).length === 0) return { totalCost: 0 };
  return { costDetails: { ...details, total }, totalCost: total };
}
