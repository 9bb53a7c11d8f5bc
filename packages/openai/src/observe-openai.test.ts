import { createFusewire, type Fusewire, instrument } from '@fusewire/core';
import { clientHarness, silentLogger } from '@fusewire/test-server/harness';
import { type LangfuseTestServer, startLangfuseServer, type TraceNode } from '@fusewire/test-server';
import { convertUsageDetails } from '@fusewire/langfuse-model';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai-server.js';
import { observeOpenAI } from './index.js';

let langfuse: LangfuseTestServer;
let provider: FakeOpenAI;
let fusewire: Fusewire;
let openai: OpenAI;
const messages = [{ role: 'user' as const, content: 'What is 2 + 2?' }];

beforeAll(async () => {
  langfuse = await startLangfuseServer();
  provider = await startFakeOpenAI();
  ({ client: fusewire } = clientHarness(createFusewire).startClient(langfuse, {
    flushIntervalMs: 50,
    logger: silentLogger,
  }));
  openai = observeOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: provider.baseURL, maxRetries: 0 }), {
    metadata: { feature: 'math' },
  });
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

async function only(): Promise<TraceNode> {
  const all = await observations();
  expect(all).toHaveLength(1);
  return all[0]!;
}

const usageAttribute = (node: TraceNode) =>
  JSON.parse(String(node.attributes?.['langfuse.observation.usage_details'] ?? 'null'));

describe('observeOpenAI', () => {
  it('returns the same client and the SDK’s own promise', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: provider.baseURL });
    expect(observeOpenAI(client)).toBe(client);
    const promise = client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(typeof promise.withResponse).toBe('function');
    expect(await promise).toMatchObject({ object: 'chat.completion' });
    expect(await observations()).toHaveLength(1);
  });

  it('records a chat completion as a generation: model, messages, output, parameters, usage as OpenAI sent it', async () => {
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0.2, max_tokens: 50 });
    expect(r.choices[0]?.message.content).toBe('2 + 2 = 4.');
    const gen = await only();
    expect(gen.type).toBe('generation');
    expect(gen.name).toBe('openai.chat.completions');
    expect(gen.model).toBe('gpt-4o-2024-08-06');
    expect(gen.input).toEqual(messages);
    expect(gen.output).toEqual({ role: 'assistant', content: '2 + 2 = 4.' });
    expect(gen.metadata).toMatchObject({ feature: 'math' });
    expect(JSON.parse(String(gen.attributes?.['langfuse.observation.model.parameters']))).toEqual({
      temperature: 0.2,
      max_tokens: 50,
    });
  });

  it('sends usage as OpenAI returns it, which Langfuse converts and prices (cached, reasoning)', async () => {
    const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages });
    expect(usageAttribute(await only())).toEqual(chat.usage);
    expect(convertUsageDetails(chat.usage)).toEqual({
      input: 8,
      input_cached_tokens: 12,
      output: 5,
      output_reasoning_tokens: 3,
      total: 28,
    });
    langfuse.reset();
    const response = await openai.responses.create({ model: 'gpt-4.1', input: 'Capital of France?' });
    expect(usageAttribute(await only())).toEqual(response.usage);
  });

  it('nests under the current observation', async () => {
    await instrument('span', { name: 'answer' }, () => openai.chat.completions.create({ model: 'gpt-4o', messages }));
    const all = await observations();
    const span = all.find((o) => o.name === 'answer')!;
    const gen = all.find((o) => o.type === 'generation')!;
    expect(gen.parentId).toBe(span.id);
    expect(gen.traceId).toBe(span.traceId);
  });

  it('assembles a streamed completion, marks the first chunk, and keeps the usage chunk', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('2 + 2 = 4.');
    const gen = await only();
    expect(gen.output).toEqual({ role: 'assistant', content: '2 + 2 = 4.' });
    expect(gen.attributes?.['langfuse.observation.completion_start_time']).toBeTypeOf('string');
    expect(usageAttribute(gen)).toMatchObject({ prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 });
  });

  it('reads a stream through toReadableStream() unchanged', async () => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    const reader = stream.toReadableStream().getReader();
    let chunks = 0;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      chunks++;
    }
    expect(chunks).toBeGreaterThan(3);
    expect((await only()).output).toEqual({ role: 'assistant', content: '2 + 2 = 4.' });
  });

  it('records a stream the app stops early as cancelled, with what arrived', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      slow: true,
    } as never);
    let seen = 0;
    for await (const _ of stream as unknown as AsyncIterable<unknown>) if (++seen === 4) break;
    const gen = await only();
    expect(gen.level).toBe('WARNING');
    expect(gen.statusMessage).toMatch(/cancelled/);
    expect(String((gen.output as { content: string }).content)).toMatch(/^w0 w1 w2 $/);
  });

  it('records the SDK’s stream helper once', async () => {
    const stream = openai.chat.completions.stream({ model: 'gpt-4o', messages });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('2 + 2 = 4.');
    const gen = await only();
    expect(gen.output).toEqual({ role: 'assistant', content: '2 + 2 = 4.' });
  });

  it('records the structured-output parse() helper', async () => {
    const parsed = await openai.chat.completions.parse({ model: 'gpt-4o', messages });
    expect(parsed.choices[0]?.message.content).toBe('2 + 2 = 4.');
    expect((await only()).output).toMatchObject({ content: '2 + 2 = 4.' });
  });

  it('records tool calls in the output', async () => {
    await openai.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    });
    const gen = await only();
    expect((gen.output as { tool_calls: unknown[] }).tool_calls).toHaveLength(1);
  });

  it('records an API error as level ERROR and re-throws the SDK’s own error', async () => {
    const error = await openai.chat.completions.create({ model: 'broken-model', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    const gen = await only();
    expect(gen.level).toBe('ERROR');
    expect(gen.statusMessage).toMatch(/broken-model does not exist/);
  });

  it('keeps withResponse()', async () => {
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect(response.status).toBe(200);
    expect(data.choices).toHaveLength(1);
    expect((await only()).model).toBe('gpt-4o-2024-08-06');
  });

  it('records responses.create, plain and streamed, with the Responses usage shape', async () => {
    const r = await openai.responses.create({
      model: 'gpt-4.1',
      input: 'Capital of France?',
      instructions: 'Be brief.',
    });
    expect(r.output_text).toBe('Paris.');
    let gen = await only();
    expect(gen.name).toBe('openai.responses');
    expect(gen.output).toBe('Paris.');
    expect(gen.input).toEqual({ instructions: 'Be brief.', input: 'Capital of France?' });
    langfuse.reset();

    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Capital of France?', stream: true });
    for await (const _ of stream) {
      // read it all
    }
    gen = await only();
    expect(gen.output).toBe('Paris.');
    expect(gen.attributes?.['langfuse.observation.completion_start_time']).toBeTypeOf('string');
    expect(usageAttribute(gen)).toMatchObject({ input_tokens: 30, output_tokens: 10 });
  });

  it('records embeddings without the vectors', async () => {
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    const emb = await only();
    expect(emb.type).toBe('embedding');
    expect(emb.output).toEqual({ embeddings: 2, dimensions: 4 });
    expect(usageAttribute(emb)).toEqual({ input: 6, total: 6 });
  });
});
