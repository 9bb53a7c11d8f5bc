import { describe, expect, it } from 'vitest';
import { storedUsage } from './row-from-span.js';
import { convertUsageDetails } from './usage.js';

describe('convertUsageDetails (Langfuse UsageDetails schema)', () => {
  it('converts the OpenAI Chat shape and subtracts details', () => {
    expect(
      convertUsageDetails({
        prompt_tokens: 100,
        completion_tokens: 40,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 30, audio_tokens: null },
        completion_tokens_details: { reasoning_tokens: 10 },
      }),
    ).toEqual({ input: 70, input_cached_tokens: 30, output: 30, output_reasoning_tokens: 10, total: 140 });
  });

  it('converts the OpenAI Responses shape', () => {
    expect(
      convertUsageDetails({
        input_tokens: 50,
        output_tokens: 20,
        total_tokens: 70,
        input_tokens_details: { cached_tokens: 5 },
        output_tokens_details: { reasoning_tokens: 8 },
      }),
    ).toEqual({ input: 45, input_cached_tokens: 5, output: 12, output_reasoning_tokens: 8, total: 70 });
  });

  it('one extra key makes the shape raw: nested details are dropped, keys kept as sent', () => {
    expect(
      convertUsageDetails({
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 2 },
        extra: 1,
      }),
    ).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, extra: 1 });
  });

  it('keeps Anthropic keys as they are (raw rule), and only non-negative integers', () => {
    expect(
      convertUsageDetails({
        input_tokens: 12,
        output_tokens: 7,
        cache_read_input_tokens: 3,
        bad: -1,
        frac: 1.5,
        s: '4',
      }),
    ).toEqual({ input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 3, s: 4 });
  });

  it('stored usage gets a total as the sum when none was sent; nothing left is undefined', () => {
    expect(storedUsage({ input: 3, output: 4 })).toEqual({ input: 3, output: 4, total: 7 });
    expect(storedUsage({ nested: { a: 1 } })).toBeUndefined();
    expect(storedUsage('12')).toBeUndefined();
  });

  it('a flattened key is kept but is not a key Langfuse converts', () => {
    expect(storedUsage({ prompt_tokens: 10, prompt_tokens_details_cached_tokens: 4 })).toEqual({
      prompt_tokens: 10,
      prompt_tokens_details_cached_tokens: 4,
      total: 14,
    });
  });
});
