import type { GenerationRun, MethodSpec } from '@fusewire/llm-common';
import { pickDefined } from '@fusewire/llm-common';
import { baseAttributes, type ObserveOpenAIOptions } from './options.js';

const PARAMETERS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'frequency_penalty',
  'presence_penalty',
  'seed',
  'n',
  'stop',
  'reasoning_effort',
  'tool_choice',
  'parallel_tool_calls',
  'service_tier',
  'logprobs',
  'top_logprobs',
] as const;

type Params = Record<string, any>;

/** `chat.completions.create`: messages in, the assistant message(s) out, usage as OpenAI reports it. */
export function chatCompletionsSpec(options: ObserveOpenAIOptions): MethodSpec<Params> {
  return {
    type: 'generation',
    streams: (params) => params?.stream === true,
    start: (params) => ({
      ...baseAttributes(options, 'openai.chat.completions'),
      input: params?.messages,
      model: params?.model,
      modelParameters: modelParameters(params),
    }),
    response: (value: any) => ({
      model: value?.model,
      output: choicesOutput(value?.choices?.map((c: any) => c?.message)),
      usageDetails: value?.usage ?? undefined,
    }),
    stream: (run) => chatStream(run),
  };
}

/** Model parameters with Langfuse-friendly values: scalars and string lists as given, objects by their kind. */
export function modelParameters(params: Params): Record<string, unknown> | undefined {
  const picked = pickDefined(params, PARAMETERS) ?? {};
  const format = params?.response_format?.type ?? params?.text?.format?.type;
  if (typeof format === 'string') picked.response_format = format;
  if (typeof picked.tool_choice === 'object') picked.tool_choice = JSON.stringify(picked.tool_choice);
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function choicesOutput(messages: unknown[] | undefined): unknown {
  if (!Array.isArray(messages)) return undefined;
  return messages.length === 1 ? messages[0] : messages;
}

interface AssembledChoice {
  role: string;
  content: string;
  tool_calls?: Array<{ id?: string; type: string; function: { name: string; arguments: string } }>;
  refusal?: string;
}

/** Assembles streamed chunks into what a non-streamed call would have returned. */
function chatStream(run: GenerationRun) {
  const choices: AssembledChoice[] = [];
  let model: string | undefined;
  let usage: any;
  const attributes = () => ({
    ...(model !== undefined && { model }),
    output: choicesOutput(choices.filter(Boolean)),
    ...(usage !== undefined && { usageDetails: usage }),
  });
  return {
    chunk(chunk: any) {
      if (typeof chunk?.model === 'string') model = chunk.model;
      if (chunk?.usage) usage = chunk.usage;
      for (const choice of chunk?.choices ?? []) {
        const delta = choice?.delta;
        if (delta === undefined) continue;
        if (delta.content || delta.tool_calls || delta.refusal) run.firstChunk();
        const index = typeof choice.index === 'number' ? choice.index : 0;
        const assembled = (choices[index] ??= { role: 'assistant', content: '' });
        if (typeof delta.role === 'string') assembled.role = delta.role;
        if (typeof delta.content === 'string') assembled.content += delta.content;
        if (typeof delta.refusal === 'string') assembled.refusal = (assembled.refusal ?? '') + delta.refusal;
        for (const call of delta.tool_calls ?? []) {
          const calls = (assembled.tool_calls ??= []);
          const slot = (calls[call.index ?? 0] ??= { type: 'function', function: { name: '', arguments: '' } });
          if (call.id) slot.id = call.id;
          if (call.function?.name) slot.function.name += call.function.name;
          if (call.function?.arguments) slot.function.arguments += call.function.arguments;
        }
      }
    },
    done: () => run.succeed(attributes),
    error: (error: unknown) => run.fail(error, attributes),
    cancel: () =>
      run.succeed(() => ({ ...attributes(), level: 'WARNING', statusMessage: 'stream cancelled by the consumer' })),
  };
}
