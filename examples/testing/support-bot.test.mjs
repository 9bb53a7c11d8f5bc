// Testing the traces `support-bot.mjs` publishes: no network, no keys, no Langfuse. The traces come
// back assembled as Langfuse v4 would show them (the same code as the `fusewire dev` view).
import { allObservations, createTestFusewire } from '@fusewire/core/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { answer } from './support-bot.mjs';

const fusewire = createTestFusewire();
beforeEach(() => fusewire.reset());
afterAll(() => fusewire.shutdown());

describe('support bot tracing', () => {
  it('records one trace per question, with the user, the steps and the model call', async () => {
    await answer('How long does a refund take?', { userId: 'u-7', sessionId: 'chat-1' });

    const [trace] = await fusewire.traces();
    expect(trace).toMatchObject({ name: 'support-answer', userId: 'u-7', sessionId: 'chat-1', tags: ['support'] });
    expect(trace.input).toEqual({ question: 'How long does a refund take?' }); // the root's input

    const [root] = trace.observations;
    expect(root.name).toBe('handle-question');
    expect(root.children.map((o) => `${o.type}:${o.name}`)).toEqual(['retriever:search-docs', 'generation:chat']);

    const chat = allObservations(trace).find((o) => o.type === 'generation');
    expect(chat.model).toBe('gpt-4o-mini');
    // OpenAI's usage shape, as Langfuse stores it.
    expect(chat.usageDetails).toEqual({ input: 42, output: 7, total: 49 });
  });

  it('marks a failed model call as an ERROR with its message', async () => {
    await expect(answer('please crash')).rejects.toThrow('model overloaded');

    const [trace] = await fusewire.traces();
    const chat = allObservations(trace).find((o) => o.name === 'chat');
    expect(chat).toMatchObject({ level: 'ERROR', statusMessage: expect.stringContaining('model overloaded') });
  });
});
