import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai-server.js';
import { observeOpenAI } from './index.js';

// This file starts no fusewire client: the wrapped SDK must behave exactly as the bare one.
let provider: FakeOpenAI;
beforeAll(async () => {
  provider = await startFakeOpenAI();
});
afterAll(() => provider.close());

it('passes calls, streams and errors straight through when fusewire is not running', async () => {
  const bare = new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, maxRetries: 0 });
  const openai = observeOpenAI(new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, maxRetries: 0 }));
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  expect(openai.chat.completions.create).not.toBe(bare.chat.completions.create);
  const [a, b] = await Promise.all([
    openai.chat.completions.create({ model: 'gpt-4o', messages }),
    bare.chat.completions.create({ model: 'gpt-4o', messages }),
  ]);
  expect(a.choices).toEqual(b.choices);
  const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  expect(text).toBe('2 + 2 = 4.');
  await expect(openai.chat.completions.create({ model: 'broken-model', messages })).rejects.toBeInstanceOf(
    OpenAI.BadRequestError,
  );
});
