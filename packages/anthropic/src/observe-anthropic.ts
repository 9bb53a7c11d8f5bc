import { traceMethod } from '@fusewire/llm-common';
import { messagesSpec } from './messages.js';
import type { ObserveAnthropicOptions } from './options.js';

/**
 * Records an Anthropic client's `messages.create` calls as Langfuse generations, nested under the
 * current observation: streamed or not, and `messages.stream()` (which calls it). Usage keeps
 * Anthropic's keys (cache reads and writes included), which Langfuse prices for Claude models.
 * Returns the same client with the same type; the SDK's promises, streams and errors reach your
 * code unchanged. With no running fusewire client a call costs one flag check.
 *
 * @example
 * ```ts
 * import Anthropic from '@anthropic-ai/sdk';
 * import { observeAnthropic } from '@fusewire/anthropic';
 *
 * const anthropic = observeAnthropic(new Anthropic());
 * const msg = await anthropic.messages.create({
 *   model: 'claude-sonnet-4-5',
 *   max_tokens: 256,
 *   messages: [{ role: 'user', content: 'Hi' }],
 * });
 * ```
 */
export function observeAnthropic<T extends object>(client: T, options: ObserveAnthropicOptions = {}): T {
  traceMethod((client as { messages?: object }).messages, 'create', messagesSpec(options));
  return client;
}
