// The app with no accounts at all: a stand-in OpenAI server and `fusewire dev` (a local
// Langfuse-compatible server) on 127.0.0.1, two requests, and what Langfuse would show.
//
//   node examples/openai-express/demo.mjs
import { createServer } from 'node:http';
import { createFusewire } from '@fusewire/core';
import { formatTraces, startDevServer } from '@fusewire/dev';
import OpenAI from 'openai';
import { createApp } from './app.mjs';

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

// Answers like OpenAI's chat completions endpoint, streamed or not, with the usage OpenAI reports.
const usage = {
  prompt_tokens: 24,
  completion_tokens: 9,
  total_tokens: 33,
  prompt_tokens_details: { cached_tokens: 0 },
};
const fakeOpenAI = createServer((req, res) => {
  let text = '';
  req.on('data', (c) => (text += c));
  req.on('end', () => {
    const body = JSON.parse(text);
    const answer = 'Paris is the capital of France.';
    const base = { id: 'chatcmpl-demo', created: Math.floor(Date.now() / 1000), model: 'gpt-4o-mini-2024-07-18' };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          usage,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } }],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const word of answer.split(/(?<= )/)) {
      res.write(
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word } }] })}\n\n`,
      );
    }
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
});
const openaiPort = await listen(fakeOpenAI);

const dev = await startDevServer({ port: 0 });
const fusewire = createFusewire({ baseUrl: dev.url, publicKey: 'pk-lf-dev', secretKey: 'sk-lf-dev' });
const openai = new OpenAI({ apiKey: 'sk-demo', baseURL: `http://127.0.0.1:${openaiPort}/v1` });
const app = createServer(createApp({ client: fusewire, openai }));
const base = `http://127.0.0.1:${await listen(app)}`;

for (const path of ['/ask', '/ask/stream']) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'What is the capital of France?' }),
  });
  console.log(`POST ${path} -> ${res.status} ${await res.text()}`);
}

app.close();
fakeOpenAI.close();
await fusewire.shutdown();
console.log(`\nwhat Langfuse would show:\n\n${formatTraces(dev.traces())}`);
await dev.close();
