import type { GenerationRun, MethodSpec } from '@fusewire/llm-common';
import { modelParameters } from './chat-completions.js';
import { baseAttributes, type ObserveOpenAIOptions } from './options.js';

type Params = Record<string, any>;

/** `responses.create`: input (and instructions) in, the response's text or items out. */
export function responsesSpec(options: ObserveOpenAIOptions): MethodSpec<Params> {
  return {
    type: 'generation',
    streams: (params) => params?.stream === true,
    start: (params) => ({
      ...baseAttributes(options, 'openai.responses'),
      input:
        params?.instructions !== undefined ? { instructions: params.instructions, input: params.input } : params?.input,
      model: params?.model,
      modelParameters: modelParameters({ ...params, max_tokens: params?.max_output_tokens }),
    }),
    response: responseAttributes,
    stream: (run) => responseStream(run),
  };
}

function responseAttributes(response: any) {
  const text =
    typeof response?.output_text === 'string' && response.output_text !== '' ? response.output_text : undefined;
  return {
    model: response?.model,
    output: text ?? response?.output,
    usageDetails: response?.usage ?? undefined,
    ...(response?.status === 'incomplete' && {
      level: 'WARNING' as const,
      statusMessage: `incomplete: ${response?.incomplete_details?.reason ?? 'unknown reason'}`,
    }),
  };
}

/** Streamed events carry the final response in `response.completed`; text deltas mark the first chunk. */
function responseStream(run: GenerationRun) {
  let final: any;
  let text = '';
  // The raw completed event has no output_text (the SDK's helpers add it): the deltas are the text.
  const attributes = () => {
    if (final === undefined) return { output: text || undefined };
    const fromFinal = responseAttributes(final);
    return text !== '' && typeof final.output_text !== 'string' ? { ...fromFinal, output: text } : fromFinal;
  };
  return {
    chunk(event: any) {
      const type = event?.type;
      if (typeof type !== 'string') return;
      if (type.endsWith('.delta')) {
        run.firstChunk();
        if (type === 'response.output_text.delta' && typeof event.delta === 'string') text += event.delta;
      }
      if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
        final = event.response;
      }
      if (type === 'response.failed' || type === 'error') {
        const message = event?.response?.error?.message ?? event?.message ?? 'response failed';
        run.fail(new Error(message), attributes);
      }
    },
    done: () => run.succeed(attributes),
    error: (error: unknown) => run.fail(error, attributes),
    cancel: () =>
      run.succeed(() => ({ ...attributes(), level: 'WARNING', statusMessage: 'stream cancelled by the consumer' })),
  };
}
