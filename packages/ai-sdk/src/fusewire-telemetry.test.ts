import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createFusewire, type Fusewire, instrument } from '@fusewire/core';
import { clientHarness, silentLogger } from '@fusewire/test-server/harness';
import { type LangfuseTestServer, startLangfuseServer, type TraceNode } from '@fusewire/test-server';
import { embed, generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
// The OpenAI-shaped fake provider server of the sibling integration's tests (tests only).
import { type FakeOpenAI, startFakeOpenAI } from '../../openai/src/fake-openai-server.js';
import { fusewireTelemetry } from './index.js';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let langfuse: LangfuseTestServer;
let provider: FakeOpenAI;
let fusewire: Fusewire;
let model: ReturnType<ReturnType<typeof createOpenAICompatible>['chatModel']>;
let embeddingModel: ReturnType<ReturnType<typeof createOpenAICompatible>['embeddingModel']>;
const telemetry = { integrations: [fusewireTelemetry({ metadata: { feature: 'math' } })] };

beforeAll(async () => {
  langfuse = await startLangfuseServer();
  provider = await startFakeOpenAI();
  ({ client: fusewire } = clientHarness(createFusewire).startClient(langfuse, {
    flushIntervalMs: 50,
    logger: silentLogger,
  }));
  const openai = createOpenAICompatible({
    name: 'openai',
    baseURL: provider.baseURL,
    apiKey: 'sk-test',
    includeUsage: true,
  });
  model = openai.chatModel('gpt-4o');
  embeddingModel = openai.embeddingModel('text-embedding-3-small');
});
afterEach(() => langfuse.reset());
afterAll(async () => {
  await fusewire.shutdown();
  await provider.close();
  await langfuse.close();
});

async function observations(): Promise<TraceNode[]> {
  await fusewire.flush();
  return langfuse.received.traces().flatMap((t) => t.observations);
}

const usageOf = (node: TraceNode | undefined) =>
  JSON.parse(String(node?.attributes?.['langfuse.observation.usage_details'] ?? 'null'));
const byType = (all: TraceNode[], type: string) => all.filter((o) => o.type === type);

describe('fusewireTelemetry', () => {
  it('records generateText with a tool loop: the call, a generation per model call, a tool span', async () => {
    const weather = tool({
      description: 'Weather in a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => ({ city, celsius: 21 }),
    });
    const result = await generateText({
      model,
      prompt: 'Weather in Paris?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      temperature: 0.3,
      telemetry,
    });
    expect(result.text).toBe('2 + 2 = 4.');
    const all = await observations();
    const [call] = byType(all, 'span');
    const generations = byType(all, 'generation');
    const [toolRun] = byType(all, 'tool');
    expect(call?.name).toBe('ai.generateText');
    expect(call?.output).toBe('2 + 2 = 4.');
    expect(call?.metadata).toMatchObject({ feature: 'math', provider: 'openai.chat' });
    expect(generations).toHaveLength(2);
    for (const g of generations) {
      expect(g.parentId).toBe(call?.id);
      expect(g.name).toBe('ai.generateText.doGenerate');
      expect(g.model).toBe('gpt-4o-2024-08-06'); // the response's model
      // 20 prompt tokens of which 12 cached; 8 completion tokens of which 3 reasoning.
      expect(usageOf(g)).toEqual({
        input: 8,
        input_cached_tokens: 12,
        output: 5,
        output_reasoning_tokens: 3,
        total: 28,
      });
      expect(JSON.parse(String(g.attributes?.['langfuse.observation.model.parameters']))).toEqual({ temperature: 0.3 });
    }
    expect(toolRun?.name).toBe('weather');
    expect(toolRun?.parentId).toBe(call?.id);
    expect(toolRun?.input).toEqual({ city: 'Paris' });
    expect(toolRun?.output).toEqual({ city: 'Paris', celsius: 21 });
    expect(generations[1]?.output).toBe('2 + 2 = 4.');
  });

  it('records streamText once the stream is read, with the streamed usage', async () => {
    const result = streamText({ model, prompt: 'What is 2 + 2?', telemetry });
    let text = '';
    for await (const part of result.textStream) text += part;
    expect(text).toBe('2 + 2 = 4.');
    await result.consumeStream();
    const all = await observations();
    const [call] = byType(all, 'span');
    const [gen] = byType(all, 'generation');
    expect(call?.name).toBe('ai.streamText');
    expect(gen?.name).toBe('ai.streamText.doStream');
    expect(gen?.output).toBe('2 + 2 = 4.');
    expect(usageOf(gen)).toMatchObject({ input: 8, input_cached_tokens: 12, total: 28 });
  });

  it('records generateObject with the object as the call’s output', async () => {
    const schemaModel = createOpenAICompatible({ name: 'openai', baseURL: provider.baseURL, apiKey: 'k' }).chatModel(
      'json-model',
    );
    await generateObject({
      model: schemaModel,
      schema: z.object({ answer: z.string() }),
      prompt: 'Answer?',
      telemetry,
    }).catch(() => undefined);
    const all = await observations();
    expect(byType(all, 'span')[0]?.name).toBe('ai.generateObject');
    expect(byType(all, 'generation')).toHaveLength(1);
  });

  it('records embed as an embedding under the call', async () => {
    const { embedding } = await embed({ model: embeddingModel, value: 'hello', telemetry });
    expect(embedding).toHaveLength(4);
    const all = await observations();
    const [emb] = byType(all, 'embedding');
    expect(emb?.model).toBe('text-embedding-3-small');
    expect(emb?.output).toEqual({ embeddings: 1, dimensions: 4 });
    expect(emb?.parentId).toBe(byType(all, 'span')[0]?.id);
  });

  it('honours recordInputs/recordOutputs: false', async () => {
    const hidden = { ...telemetry, recordInputs: false, recordOutputs: false };
    await generateText({ model, prompt: 'secret prompt', telemetry: hidden });
    const all = await observations();
    expect(JSON.stringify(all.map((o) => [o.input, o.output]))).not.toMatch(/secret prompt|2 \+ 2/);
    expect(byType(all, 'generation')).toHaveLength(1);
  });

  it('nests the call under the current observation', async () => {
    await instrument('agent', { name: 'assistant' }, () => generateText({ model, prompt: 'Hi', telemetry }));
    const all = await observations();
    const agent = byType(all, 'agent')[0];
    expect(byType(all, 'span')[0]?.parentId).toBe(agent?.id);
  });

  it('records a failing call as ERROR and leaves the SDK’s error to the app', async () => {
    const broken = createOpenAICompatible({ name: 'openai', baseURL: provider.baseURL, apiKey: 'k' }).chatModel(
      'broken-model',
    );
    const error = await generateText({ model: broken, prompt: 'x', maxRetries: 0, telemetry }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AI_APICallError');
    const all = await observations();
    expect(byType(all, 'span')[0]?.level).toBe('ERROR');
    expect(byType(all, 'generation')[0]?.level).toBe('ERROR');
  });
});
