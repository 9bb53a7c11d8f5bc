import { type GenerationRun, isTracing, startGeneration } from '@fusewire/llm-common';
import type { Telemetry } from 'ai';
import { contentOutput, modelParameters, promptInput } from './attributes.js';
import { CallRegistry, type CallState, childOf } from './call-registry.js';
import { langfuseUsage } from './usage.js';

type Event = Record<string, any>;
type Hook = (event: Event) => void;

/** Options of {@link fusewireTelemetry}. */
export interface FusewireTelemetryOptions {
  /** Metadata put on every call's top observation. */
  metadata?: Record<string, unknown>;
}

/**
 * An AI SDK (v7) telemetry integration that records each call on fusewire, without an
 * OpenTelemetry SDK: the call (`generateText`, `streamText`, `generateObject`, `embed`, …) as a
 * span nested under the current observation, each model call as a generation (model, messages,
 * output, parameters, usage in the keys Langfuse prices), each tool execution as a tool
 * observation. With no running fusewire client every hook returns after one flag check.
 *
 * @example
 * ```ts
 * import { registerTelemetry } from 'ai';
 * import { fusewireTelemetry } from '@fusewire/ai-sdk';
 *
 * registerTelemetry(fusewireTelemetry()); // once, at startup: every call is recorded
 * ```
 */
export function fusewireTelemetry(options: FusewireTelemetryOptions = {}): Telemetry {
  const calls = new CallRegistry();
  const hooks: Record<string, Hook> = {
    onStart(e) {
      const operation = startGeneration('span', {
        name: e.functionId ?? e.operationId ?? 'ai',
        input: e.value ?? e.values ?? promptInput(e),
        metadata: { ...options.metadata, provider: e.provider, modelId: e.modelId, operationId: e.operationId },
      });
      calls.open(e.callId, {
        operation,
        provider: e.provider,
        modelCalls: [],
        tools: new Map(),
        embeds: new Map(),
      });
    },
    onLanguageModelCallStart: (e) => startModelCall(calls.get(e.callId), e, promptInput(e)),
    onObjectStepStart: (e) => startModelCall(calls.get(e.callId), e, e.promptMessages),
    onLanguageModelCallEnd(e) {
      endModelCall(calls.get(e.callId), e, contentOutput(e.content), e.performance?.msToFirstChunk);
    },
    onObjectStepEnd(e) {
      endModelCall(calls.get(e.callId), e, e.objectText, e.msToFirstChunk);
    },
    onToolExecutionStart(e) {
      const call = calls.get(e.callId);
      if (call === undefined || typeof e.toolCall?.toolCallId !== 'string') return;
      const run = startGeneration('tool', {
        name: e.toolCall.toolName,
        input: e.toolCall.input,
        ...childOf(call.operation.observation),
      });
      call.tools.set(e.toolCall.toolCallId, run);
    },
    onToolExecutionEnd(e) {
      const call = calls.get(e.callId);
      const id = e.toolCall?.toolCallId;
      const run = call?.tools.get(id);
      if (call === undefined || run === undefined) return;
      call.tools.delete(id);
      const result = e.toolOutput;
      if (result?.type === 'tool-error') run.fail(result.error);
      else run.succeed(() => ({ output: result?.output ?? result }));
    },
    onEmbedStart(e) {
      const call = calls.get(e.callId);
      if (call === undefined) return;
      const run = startGeneration('embedding', {
        name: e.operationId ?? 'ai.embed',
        model: e.modelId,
        input: e.values,
        ...childOf(call.operation.observation),
      });
      call.embeds.set(e.embedCallId, run);
    },
    onEmbedEnd(e) {
      const call = calls.get(e.callId);
      const run = call?.embeds.get(e.embedCallId);
      if (call === undefined || run === undefined) return;
      call.embeds.delete(e.embedCallId);
      const vectors: unknown[] = Array.isArray(e.embeddings) ? e.embeddings : [];
      const first = vectors[0];
      run.succeed(() => ({
        output: { embeddings: vectors.length, dimensions: Array.isArray(first) ? first.length : undefined },
        usageDetails: langfuseUsage(e.usage, call.provider),
      }));
    },
    onEnd(e) {
      const call = calls.close(e.callId);
      if (call === undefined) return;
      endChildren(call, undefined);
      call.operation.succeed(() => ({
        output: e.text ?? e.object ?? (e.embedding !== undefined ? { dimensions: e.embedding?.length } : undefined),
        metadata: {
          ...options.metadata,
          provider: call.provider,
          modelId: e.model?.modelId,
          finishReason: e.finishReason,
        },
      }));
    },
    onError(e) {
      const call = calls.close(e.callId);
      if (call === undefined) return;
      endChildren(call, e.error);
      call.operation.fail(e.error);
    },
    onAbort(e) {
      const call = calls.close(e.callId);
      if (call === undefined) return;
      endChildren(call, undefined);
      call.operation.succeed(() => ({ level: 'WARNING', statusMessage: 'aborted' }));
    },
  };
  for (const [name, hook] of Object.entries(hooks)) hooks[name] = guarded(hook);
  return hooks as Telemetry;
}

function startModelCall(call: CallState | undefined, e: Event, input: unknown): void {
  if (call === undefined) return;
  const operation = call.operation.observation;
  const stream = String(e.operationId ?? operation.name ?? '').includes('stream');
  const run = startGeneration('generation', {
    name: `${operation.name ?? 'ai'}.${stream ? 'doStream' : 'doGenerate'}`,
    model: e.modelId,
    input,
    modelParameters: modelParameters(e),
    ...childOf(operation),
  });
  call.modelCalls.push({ run, startedAt: Date.now() });
}

function endModelCall(call: CallState | undefined, e: Event, output: unknown, msToFirstChunk: unknown): void {
  const open = call?.modelCalls.shift();
  if (call === undefined || open === undefined) return;
  open.run.succeed(() => ({
    output,
    ...(typeof e.modelId === 'string' && { model: e.modelId }),
    usageDetails: langfuseUsage(e.usage, e.provider ?? call.provider),
    ...(typeof msToFirstChunk === 'number' && { completionStartTime: open.startedAt + msToFirstChunk }),
    ...(e.finishReason === 'length' && { level: 'WARNING' as const, statusMessage: 'finish reason: length' }),
  }));
}

/** A call that ends or fails closes what it still has open, so nothing is left unended. */
function endChildren(call: CallState, error: unknown): void {
  const close = (run: GenerationRun) => (error !== undefined ? run.fail(error) : run.succeed(() => ({})));
  for (const { run } of call.modelCalls.splice(0)) close(run);
  for (const run of call.tools.values()) close(run);
  for (const run of call.embeds.values()) close(run);
  call.tools.clear();
  call.embeds.clear();
}

function guarded(hook: Hook): Hook {
  return (event) => {
    if (!isTracing()) return;
    try {
      hook(event ?? {});
    } catch {
      // A mapping bug must never surface in the app's AI SDK call.
    }
  };
}
