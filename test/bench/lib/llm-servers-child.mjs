// The LLM SDK bench's servers, in their own process so their CPU stays out of the measurement:
// an OpenAI-shaped chat completions endpoint and the Langfuse-compatible test server.
import { createServer } from 'node:http';
import { startLangfuseServer } from '@fusewire/test-server';

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Paris is the capital of France.' } },
  ],
  usage: { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33, prompt_tokens_details: { cached_tokens: 0 } },
});
const openai = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion);
  });
});
// Long keep-alive: the bench reuses sockets, and a server closing an idle one mid-reuse is noise.
openai.keepAliveTimeout = 60_000;
await new Promise((resolve) => openai.listen(0, '127.0.0.1', resolve));
const langfuse = await startLangfuseServer({ keepBodies: false });
process.send({
  openai: `http://127.0.0.1:${openai.address().port}/v1`,
  langfuse: { url: langfuse.url, publicKey: langfuse.publicKey, secretKey: langfuse.secretKey },
});
process.on('message', (m) => {
  if (m === 'counts') process.send({ counts: langfuse.received.counts });
});
process.on('disconnect', () => process.exit(0));
