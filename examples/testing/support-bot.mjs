// A small piece of "app code" to test: it answers a support question with a retrieval step and a
// (fake) model call, traced with fusewire's helpers. Nothing here knows about tests.
import { instrument, withTrace } from '@fusewire/core';

const DOCS = { refund: 'Refunds take 5 days.', shipping: 'We ship worldwide.' };

async function fakeModel(prompt) {
  if (prompt.includes('crash')) throw new Error('model overloaded');
  return {
    text: `Answer: ${prompt.slice(0, 40)}`,
    usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
  };
}

export function answer(question, { userId, sessionId } = {}) {
  return withTrace({ name: 'support-answer', userId, sessionId, tags: ['support'] }, () =>
    instrument('span', { name: 'handle-question', input: { question } }, async (span) => {
      const docs = await instrument('retriever', { name: 'search-docs', input: question }, async (retrieval) => {
        const found = Object.entries(DOCS).filter(([key]) => question.toLowerCase().includes(key));
        retrieval.update({ output: found.map(([key]) => key) });
        return found.map(([, text]) => text);
      });
      const reply = await instrument(
        'generation',
        { name: 'chat', model: 'gpt-4o-mini', input: [{ role: 'user', content: question }] },
        async (generation) => {
          const result = await fakeModel(`${docs.join(' ')} ${question}`);
          generation.update({ output: result.text, usageDetails: result.usage });
          return result.text;
        },
      );
      span.update({ output: reply });
      return reply;
    }),
  );
}
