// An Express app whose OpenAI calls are traced: the middleware makes one trace per request, and
// observeOpenAI records every chat completion under it (messages, output, model, token usage).
import { errorHandler, middleware } from '@fusewire/express';
import { observeOpenAI } from '@fusewire/openai';
import express from 'express';
import OpenAI from 'openai';

export function createApp({ client, openai = new OpenAI() }) {
  const llm = observeOpenAI(openai, { metadata: { feature: 'ask' } });
  const app = express();
  app.use(express.json());
  app.use(middleware(client));

  app.post('/ask', async (req, res) => {
    const question = String(req.body?.question ?? '');
    if (question === '') return res.status(400).json({ error: 'question is required' });
    const completion = await llm.chat.completions.create({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: question },
      ],
    });
    res.json({ answer: completion.choices[0]?.message.content });
  });

  app.post('/ask/stream', async (req, res) => {
    const stream = await llm.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: String(req.body?.question ?? '') }],
    });
    res.type('text/plain');
    for await (const chunk of stream) res.write(chunk.choices[0]?.delta.content ?? '');
    res.end();
  });

  app.use(errorHandler());
  app.use((err, _req, res, _next) => res.status(err.status ?? 500).json({ error: err.message }));
  return app;
}
