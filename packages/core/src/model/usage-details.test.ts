import { DEFAULT_PRICES, costOf, priceOf, storedUsage } from '@fusewire/langfuse-model';
import { describe, expect, it } from 'vitest';
import { toLangfuseUsage } from './usage-details.js';

/** What Langfuse stores for what we would send, and what it costs on a model's price list. */
function asLangfuseReadsIt(usage: unknown, model: string) {
  const stored = storedUsage(toLangfuseUsage(usage));
  return { stored, cost: costOf(undefined, stored, priceOf(DEFAULT_PRICES, model)).totalCost };
}

describe('toLangfuseUsage: provider shapes as Langfuse reads them', () => {
  it('OpenAI Chat: passed through; Langfuse stores cached tokens apart and prices them', () => {
    const usage = {
      prompt_tokens: 1000,
      completion_tokens: 200,
      total_tokens: 1200,
      prompt_tokens_details: { cached_tokens: 400, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 50, audio_tokens: null },
    };
    expect(toLangfuseUsage(usage)).toEqual(usage); // passed through as the SDK returns it
    const { stored, cost } = asLangfuseReadsIt(usage, 'gpt-4o');
    expect(stored).toEqual({
      input: 600,
      input_cached_tokens: 400,
      input_audio_tokens: 0,
      output: 150,
      output_reasoning_tokens: 50,
      total: 1200,
    });
    expect(cost).toBeCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 150 * 1e-5, 12);
  });

  it('OpenAI Responses: passed through too; with an extra key (Langfuse would not convert it) converted here alike', () => {
    const usage = {
      input_tokens: 80,
      output_tokens: 20,
      total_tokens: 100,
      input_tokens_details: { cached_tokens: 30 },
      output_tokens_details: { reasoning_tokens: 5 },
    };
    expect(toLangfuseUsage(usage)).toEqual(usage);
    expect(storedUsage(usage)).toMatchObject({ input: 50, input_cached_tokens: 30, output: 15, total: 100 });
    const extended = { ...usage, service_tier: 'default' };
    expect(storedUsage(extended)).not.toHaveProperty('input_cached_tokens'); // Langfuse's raw rule: details lost
    expect(asLangfuseReadsIt(extended, 'gpt-4o').stored).toEqual(storedUsage(usage)); // ours keeps them
  });

  it('Anthropic: keys kept as Claude prices list them, nested objects and labels dropped, total = sum', () => {
    const usage = {
      input_tokens: 12,
      output_tokens: 30,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 2000,
      cache_creation: { ephemeral_5m_input_tokens: 100 },
      server_tool_use: null,
      service_tier: 'standard',
    };
    const { stored, cost } = asLangfuseReadsIt(usage, 'claude-sonnet-4-20250514');
    expect(stored).toEqual({
      input_tokens: 12,
      output_tokens: 30,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 2000,
      total: 2142,
    });
    expect(cost).toBeCloseTo(12 * 3e-6 + 30 * 1.5e-5 + 100 * 3.75e-6 + 2000 * 3e-7, 12);
  });

  it('Vercel AI SDK: canonical keys, cached and reasoning moved out of input and output', () => {
    const usage = { inputTokens: 100, outputTokens: 40, totalTokens: 140, cachedInputTokens: 60, reasoningTokens: 10 };
    const { stored, cost } = asLangfuseReadsIt(usage, 'gpt-4o');
    expect(stored).toEqual({ input: 40, input_cached_tokens: 60, output: 30, output_reasoning_tokens: 10, total: 140 });
    expect(cost).toBeGreaterThan(0);
  });

  it('Vercel AI SDK v6 details objects', () => {
    const usage = {
      inputTokens: 100,
      outputTokens: 40,
      totalTokens: 140,
      inputTokenDetails: { noCacheTokens: 30, cacheReadTokens: 50, cacheWriteTokens: 20 },
      outputTokenDetails: { textTokens: 30, reasoningTokens: 10 },
    };
    expect(toLangfuseUsage(usage)).toEqual({
      input: 30,
      input_cached_tokens: 50,
      input_cache_creation: 20,
      output: 30,
      output_reasoning_tokens: 10,
      total: 140,
    });
  });

  it('Google Gemini: cached content and thoughts as Langfuse keys, the given total kept', () => {
    const usage = {
      promptTokenCount: 500,
      candidatesTokenCount: 100,
      cachedContentTokenCount: 200,
      thoughtsTokenCount: 50,
      totalTokenCount: 650,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 500 }],
    };
    expect(asLangfuseReadsIt(usage, 'gemini-2.5-pro').stored).toEqual({
      input: 300,
      input_cached_tokens: 200,
      output: 100,
      output_reasoning_tokens: 50,
      total: 650,
    });
  });

  it("Langfuse's own keys pass unchanged; non-counts are left for validation to name", () => {
    expect(toLangfuseUsage({ input: 3, output: 4, total: 7 })).toEqual({ input: 3, output: 4, total: 7 });
    expect(toLangfuseUsage({ input: 1.5 })).toBeUndefined();
    expect(toLangfuseUsage([1])).toBeUndefined();
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    expect(toLangfuseUsage(hostile)).toBeUndefined();
  });

  it('never produces a flattened outer_inner key', () => {
    for (const usage of [
      {
        prompt_tokens: 1,
        completion_tokens: 1,
        total_tokens: 2,
        prompt_tokens_details: { cached_tokens: 1 },
        extra: 3,
      },
      { a: 1, nested: { b: 2 } },
    ]) {
      for (const key of Object.keys(toLangfuseUsage(usage) ?? {})) expect(key).not.toMatch(/_details_|nested_/);
    }
  });
});
