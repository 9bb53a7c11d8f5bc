import type { MethodSpec } from '@fusewire/llm-common';
import { pickDefined } from '@fusewire/llm-common';
import { baseAttributes, type ObserveOpenAIOptions } from './options.js';

type Params = Record<string, any>;

/**
 * `embeddings.create` as an `embedding` observation. The vectors are not recorded (they are large
 * and unreadable): the output says how many and how long they are.
 */
export function embeddingsSpec(options: ObserveOpenAIOptions): MethodSpec<Params> {
  return {
    type: 'embedding',
    streams: () => false,
    start: (params) => ({
      ...baseAttributes(options, 'openai.embeddings'),
      input: params?.input,
      model: params?.model,
      modelParameters: pickDefined(params, ['dimensions', 'encoding_format']),
    }),
    response: (value: any) => {
      const data = Array.isArray(value?.data) ? value.data : [];
      const first = data[0]?.embedding;
      return {
        model: value?.model,
        output: { embeddings: data.length, dimensions: Array.isArray(first) ? first.length : undefined },
        usageDetails: usage(value?.usage),
      };
    },
    stream: () => {
      throw new Error('embeddings do not stream');
    },
  };
}

// Embedding usage has no completion side: Langfuse's canonical keys say so directly.
function usage(raw: any): Record<string, number> | undefined {
  if (typeof raw?.prompt_tokens !== 'number') return undefined;
  return {
    input: raw.prompt_tokens,
    total: typeof raw.total_tokens === 'number' ? raw.total_tokens : raw.prompt_tokens,
  };
}
