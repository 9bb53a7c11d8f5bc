import { DEFAULT_PRICES, type PriceTable } from '@fusewire/langfuse-model';

const M = 1e-6;

/** List price per token of input, output and cached input, keyed the way Langfuse's price list keys them. */
function price(input: number, output: number, cachedInput = input): Record<string, number> {
  return {
    input: input * M,
    output: output * M,
    input_cached_tokens: cachedInput * M,
    input_cache_read: cachedInput * M,
    cache_read_input_tokens: cachedInput * M,
  };
}

/**
 * USD list prices (per million tokens, 2026) of common models, so a generation sent without
 * `costDetails` still shows what it cost. Names match exactly or as a prefix before `-` (dated snapshots).
 */
export const DEV_PRICES: PriceTable = {
  ...DEFAULT_PRICES,
  'gpt-5': price(1.25, 10, 0.125),
  'gpt-5-mini': price(0.25, 2, 0.025),
  'gpt-5-nano': price(0.05, 0.4, 0.005),
  'gpt-4.1': price(2, 8, 0.5),
  'gpt-4.1-mini': price(0.4, 1.6, 0.1),
  'gpt-4.1-nano': price(0.1, 0.4, 0.025),
  o3: price(2, 8, 0.5),
  'o4-mini': price(1.1, 4.4, 0.275),
  'text-embedding-3-small': price(0.02, 0),
  'text-embedding-3-large': price(0.13, 0),
  'claude-opus-4': { ...price(15, 75, 1.5), input_tokens: 15 * M, output_tokens: 75 * M },
  'claude-3-7-sonnet': { ...price(3, 15, 0.3), input_tokens: 3 * M, output_tokens: 15 * M },
  'claude-haiku-4-5': { ...price(1, 5, 0.1), input_tokens: 1 * M, output_tokens: 5 * M },
  'claude-3-5-haiku': { ...price(0.8, 4, 0.08), input_tokens: 0.8 * M, output_tokens: 4 * M },
  'gemini-2.5-pro': price(1.25, 10, 0.31),
  'gemini-2.5-flash': price(0.3, 2.5, 0.075),
  'gemini-2.0-flash': price(0.1, 0.4, 0.025),
};
