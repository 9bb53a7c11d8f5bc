import type { GenerationRun, MethodSpec } from '@fusewire/llm-common';
import { pickDefined } from '@fusewire/llm-common';
import type { ObserveAnthropicOptions } from './options.js';
import { anthropicUsage, mergeUsage } from './usage.js';

const PARAMETERS = ['max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'service_tier', 'speed'] as const;

type Params = Record<string, any>;

/** `messages.create` (and `messages.stream`, which calls it): the system prompt and messages in, content blocks out. */
export function messagesSpec(options: ObserveAnthropicOptions): MethodSpec<Params> {
  return {
    type: 'generation',
    streams: (params) => params?.stream === true,
    start: (params) => ({
      name: options.name ?? 'anthropic.messages',
      ...(options.metadata !== undefined && { metadata: options.metadata }),
      ...(options.promptName !== undefined &&
        options.promptVersion !== undefined && {
          promptName: options.promptName,
          promptVersion: options.promptVersion,
        }),
      input:
        params?.system !== undefined
          ? [{ role: 'system', content: params.system }, ...(params.messages ?? [])]
          : params?.messages,
      model: params?.model,
      modelParameters: modelParameters(params),
    }),
    response: (message: any) => ({
      model: message?.model,
      output: { role: 'assistant', content: message?.content },
      usageDetails: anthropicUsage(message?.usage),
      ...stopLevel(message?.stop_reason),
    }),
    stream: (run) => messageStream(run),
  };
}

function modelParameters(params: Params): Record<string, unknown> | undefined {
  const picked = pickDefined(params, PARAMETERS) ?? {};
  if (params?.thinking?.type === 'enabled') picked.thinking_budget_tokens = params.thinking.budget_tokens;
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function stopLevel(reason: unknown) {
  return reason === 'max_tokens' || reason === 'refusal'
    ? { level: 'WARNING' as const, statusMessage: `stop_reason: ${reason}` }
    : {};
}

interface Block {
  type: string;
  text?: string;
  thinking?: string;
  partial_json?: string;
  [key: string]: unknown;
}

/** Assembles the streamed events into the message a non-streamed call returns. */
function messageStream(run: GenerationRun) {
  const blocks: Block[] = [];
  let model: string | undefined;
  let usage: Record<string, number> | undefined;
  let stopReason: unknown;
  const attributes = () => ({
    ...(model !== undefined && { model }),
    output: { role: 'assistant', content: blocks.filter(Boolean).map(finishBlock) },
    ...(usage !== undefined && { usageDetails: usage }),
    ...stopLevel(stopReason),
  });
  return {
    chunk(event: any) {
      switch (event?.type) {
        case 'message_start':
          model = event.message?.model ?? model;
          usage = mergeUsage(usage, event.message?.usage);
          break;
        case 'content_block_start':
          blocks[event.index ?? blocks.length] = { ...event.content_block };
          break;
        case 'content_block_delta': {
          run.firstChunk();
          const block = (blocks[event.index ?? 0] ??= { type: 'text', text: '' });
          const delta = event.delta ?? {};
          if (delta.type === 'text_delta') block.text = (block.text ?? '') + delta.text;
          else if (delta.type === 'thinking_delta') block.thinking = (block.thinking ?? '') + delta.thinking;
          else if (delta.type === 'input_json_delta')
            block.partial_json = (block.partial_json ?? '') + delta.partial_json;
          break;
        }
        case 'message_delta':
          usage = mergeUsage(usage, event.usage);
          stopReason = event.delta?.stop_reason ?? stopReason;
          break;
      }
    },
    done: () => run.succeed(attributes),
    error: (error: unknown) => run.fail(error, attributes),
    cancel: () =>
      run.succeed(() => ({ ...attributes(), level: 'WARNING', statusMessage: 'stream cancelled by the consumer' })),
  };
}

// A tool_use block streams its input as JSON text; show it as the object a non-streamed call has.
function finishBlock(block: Block): Block {
  if (block.partial_json === undefined) return block;
  const { partial_json, ...rest } = block;
  try {
    return { ...rest, input: JSON.parse(partial_json || '{}') };
  } catch {
    return { ...rest, input: partial_json };
  }
}
