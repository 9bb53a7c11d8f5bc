import Anthropic from '@anthropic-ai/sdk';
import { createFusewire, type Fusewire, instrument } from '@fusewire/core';
import { clientHarness, silentLogger } from '@fusewire/test-server/harness';
import { type LangfuseTestServer, startLangfuseServer, type TraceNode } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from './fake-anthropic-server.js';
import { observeAnthropic } from './index.js';

let langfuse: LangfuseTestServer;
let provider: FakeAnthropic;
let fusewire: Fusewire;
let anthropic: Anthropic;
const messages = [{ role: 'user' as const, content: 'Capital of France?' }];
const EXPECTED_USAGE = {
  input_tokens: 14,
  output_tokens: 6,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 100,
};

beforeAll(async () => {
  langfuse = await startLangfuseServer();
  provider = await startFakeAnthropic();
  ({ client: fusewire } = clientHarness(createFusewire).startClient(langfuse, {
    flushIntervalMs: 50,
    logger: silentLogger,
  }));
  anthropic = observeAnthropic(new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.baseURL, maxRetries: 0 }));
});
afterEach(() => langfuse.reset());
afterAll(async () => {
  await fusewire.shutdown();
  await provider.close();
  await langfuse.close();
});

async function only(): Promise<TraceNode> {
  await fusewire.flush();
  const all = langfuse.received.traces().flatMap((t) => t.observations);
  expect(all).toHaveLength(1);
  return all[0]!;
}

const usageAttribute = (node: TraceNode) =>
  JSON.parse(String(node.attributes?.['langfuse.observation.usage_details'] ?? 'null'));

describe('observeAnthropic', () => {
  it('records messages.create as a generation with the system prompt, content blocks and Anthropic usage', async () => {
    const msg = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      stop_sequences: ['END'],
      system: 'Be brief.',
      messages,
    });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    const gen = await only();
    expect(gen.type).toBe('generation');
    expect(gen.name).toBe('anthropic.messages');
    expect(gen.model).toBe('claude-sonnet-4-5-20250929');
    expect(gen.input).toEqual([{ role: 'system', content: 'Be brief.' }, ...messages]);
    expect(gen.output).toEqual({ role: 'assistant', content: msg.content });
    expect(usageAttribute(gen)).toEqual(EXPECTED_USAGE);
    expect(JSON.parse(String(gen.attributes?.['langfuse.observation.model.parameters']))).toEqual({
      max_tokens: 100,
      stop_sequences: ['END'],
    });
  });

  it('assembles a streamed message: text, final usage, completion start', async () => {
    const stream = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages,
      stream: true,
    });
    let text = '';
    for await (const event of stream)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    expect(text).toBe('Paris is the capital of France.');
    const gen = await only();
    expect(gen.output).toEqual({ role: 'assistant', content: [{ type: 'text', text }] });
    expect(usageAttribute(gen)).toEqual(EXPECTED_USAGE);
    expect(gen.attributes?.['langfuse.observation.completion_start_time']).toBeTypeOf('string');
  });

  it('records messages.stream() once, with its final message', async () => {
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages });
    const final = await stream.finalMessage();
    const gen = await only();
    expect(gen.output).toEqual({ role: 'assistant', content: final.content });
    expect(usageAttribute(gen)).toEqual(EXPECTED_USAGE);
  });

  it('records a stream the app stops early as cancelled', async () => {
    const stream = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages,
      stream: true,
      metadata: { user_id: 'slow' },
    });
    let seen = 0;
    for await (const _ of stream) if (++seen === 5) break;
    const gen = await only();
    expect(gen.level).toBe('WARNING');
    expect(gen.statusMessage).toMatch(/cancelled/);
  });

  it('nests under the current observation and records tool use', async () => {
    await instrument('agent', { name: 'planner' }, () =>
      anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages,
        tools: [{ name: 'weather', input_schema: { type: 'object' } }],
      }),
    );
    await fusewire.flush();
    const all = langfuse.received.traces().flatMap((t) => t.observations);
    const agent = all.find((o) => o.type === 'agent')!;
    const gen = all.find((o) => o.type === 'generation')!;
    expect(gen.parentId).toBe(agent.id);
    expect((gen.output as { content: Array<{ type: string }> }).content[0]?.type).toBe('tool_use');
  });

  it('records an API error as level ERROR and re-throws the SDK’s own error', async () => {
    const error = await anthropic.messages
      .create({ model: 'broken-model', max_tokens: 10, messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    const gen = await only();
    expect(gen.level).toBe('ERROR');
    expect(gen.statusMessage).toMatch(/broken-model/);
  });
});
