// A small chat-like Express app traced with fusewire. Every request becomes a Langfuse trace
// named after its route (`POST /chat`); the retrieval span and the LLM generation nest under it
// through the instrumentation context, with no request object passed around.
import { instrument } from '@fusewire/core';
import { errorHandler, middleware, trace } from '@fusewire/express';
import express from 'express';
import { pinoHttp } from 'pino-http';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const DOCS = [
  { id: 'doc-fusewire', text: 'fusewire ships diagnostics_channel events to Langfuse in batches.' },
  { id: 'doc-express', text: 'The Express adapter makes one trace per request, named after the route.' },
  { id: 'doc-pino', text: 'With pino-http, application log lines carry the trace id.' },
];

/** Retrieval: knows nothing about Express, yet lands under the request's trace. */
export function retrieve(question) {
  return instrument('retriever', { name: 'retrieve-docs', input: { question } }, async (obs) => {
    await sleep(15);
    const words = question
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => w.length > 3);
    const hits = (d) => words.filter((w) => d.text.toLowerCase().includes(w)).length;
    const docs = DOCS.filter((d) => hits(d) > 0)
      .sort((a, b) => hits(b) - hits(a))
      .slice(0, 2);
    obs.update({ output: docs.map((d) => d.id) });
    return docs;
  });
}

/** A fake LLM call, recorded as a generation with model, parameters and token usage. */
export function fakeLlm(messages) {
  const attributes = {
    name: 'chat-completion',
    model: 'fake-gpt-mini',
    modelParameters: { temperature: 0.2 },
    input: messages,
  };
  return instrument('generation', attributes, async (obs) => {
    await sleep(40);
    const question = messages.at(-1).content;
    if (/crash/i.test(question)) throw new Error('model overloaded, try again later');
    const context = messages[0].content;
    const answer = context ? `From the docs: ${context.split('\n')[0]}` : "I don't know yet.";
    const words = (s) => s.split(/\s+/).length;
    obs.update({
      output: answer,
      usageDetails: { input: words(messages.map((m) => m.content).join(' ')), output: words(answer) },
    });
    return answer;
  });
}

/**
 * The app. `logger` is an optional pino logger for pino-http; `client` an optional fusewire client
 * (default: the one created with `createFusewire()`).
 */
export function createApp({ client, logger, tracing = {} } = {}) {
  const app = express();
  app.use(express.json());
  // pino-http first: the adapter reuses its req.id and gives req.log the trace id.
  app.use(pinoHttp({ ...(logger ? { logger } : {}), customProps: (req) => ({ traceId: trace(req).traceId }) }));
  app.use(middleware(client, { ignore: ['/health'], ...tracing }));

  app.get('/health', (_req, res) => res.json({ ok: true }));

  app.post('/chat', async (req, res) => {
    const { question, userId, sessionId } = req.body ?? {};
    if (typeof question !== 'string' || question.trim() === '') {
      res.status(400).json({ error: 'question is required' });
      return;
    }
    trace(req).update({ userId, sessionId, tags: ['chat'], input: { question } });
    req.log.info({ question }, 'answering');
    const docs = await retrieve(question);
    const system = { role: 'system', content: docs.map((d) => d.text).join('\n') };
    const answer = await fakeLlm([system, { role: 'user', content: question }]);
    trace(req).update({ output: { answer } });
    res.json({ answer, sources: docs.map((d) => d.id), traceId: trace(req).traceId });
  });

  app.use(errorHandler()); // records the error on the trace and for pino-http, then passes it on
  app.use((err, _req, res, _next) => {
    res.status(500).json({ error: err instanceof Error ? err.message : 'internal error' });
  });
  return app;
}
