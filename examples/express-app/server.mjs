// Runs the example app. With LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY (and LANGFUSE_BASE_URL for
// self-hosted) set, traces go to Langfuse; without them fusewire stays disabled and the app runs as is.
//
//   node server.mjs
//   curl -s localhost:3000/chat -H 'content-type: application/json' -d '{"question":"What does the Express adapter do?"}'
import { createFusewire } from '@fusewire/core';
import { createApp } from './app.mjs';

const fusewire = createFusewire();
const port = Number(process.env.PORT ?? 3000);
const server = createApp({ client: fusewire }).listen(port, () => console.log(`listening on http://localhost:${port}`));

async function stop() {
  server.close();
  await fusewire.shutdown(); // sends what is still queued, bounded by its deadline
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
