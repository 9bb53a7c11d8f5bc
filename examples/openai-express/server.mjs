// Runs the app against the real OpenAI API (OPENAI_API_KEY) and Langfuse (LANGFUSE_PUBLIC_KEY,
// LANGFUSE_SECRET_KEY, LANGFUSE_BASE_URL). Without Langfuse keys fusewire stays disabled.
//
//   node server.mjs
//   curl -s localhost:3000/ask -H 'content-type: application/json' -d '{"question":"Capital of France?"}'
import { createFusewire } from '@fusewire/core';
import { createApp } from './app.mjs';

const fusewire = createFusewire();
const port = Number(process.env.PORT ?? 3000);
const server = createApp({ client: fusewire }).listen(port, () => console.log(`listening on http://localhost:${port}`));

async function stop() {
  server.close();
  await fusewire.shutdown();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
