import { traceMethod } from '@fusewire/llm-common';
import { chatCompletionsSpec } from './chat-completions.js';
import { embeddingsSpec } from './embeddings.js';
import type { ObserveOpenAIOptions } from './options.js';
import { responsesSpec } from './responses.js';

/** The parts of an OpenAI client this integration touches (any `openai` v5+ client has them). */
interface OpenAILike {
  chat?: { completions?: object };
  responses?: object;
  embeddings?: object;
}

/**
 * Records an OpenAI client's calls as Langfuse observations, nested under the current one:
 * `chat.completions.create` and `responses.create` (streamed or not, and the SDK's `.stream()`,
 * `.parse()` and `runTools()` helpers, which call them) as generations, `embeddings.create` as
 * embeddings. Returns the same client, with the same type; the SDK's promises, streams and errors
 * reach your code unchanged. With no running fusewire client a call costs one flag check.
 *
 * Streamed chat completions report usage only when asked: pass
 * `stream_options: { include_usage: true }`.
 *
 * @example
 * ```ts
 * import OpenAI from 'openai';
 * import { observeOpenAI } from '@fusewire/openai';
 *
 * const openai = observeOpenAI(new OpenAI());
 * const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export function observeOpenAI<T extends object>(client: T, options: ObserveOpenAIOptions = {}): T {
  const sdk = client as OpenAILike;
  traceMethod(sdk.chat?.completions, 'create', chatCompletionsSpec(options));
  traceMethod(sdk.responses, 'create', responsesSpec(options));
  traceMethod(sdk.embeddings, 'create', embeddingsSpec(options));
  return client;
}
