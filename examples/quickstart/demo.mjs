// The README's demo: a local Langfuse-compatible server, the quickstart pointed at it,
// and the trace tree the server received. No Langfuse account needed.
import { formatTree, startLangfuseServer } from '@fusewire/test-server';

const server = await startLangfuseServer();
process.env.LANGFUSE_BASE_URL = server.url;
process.env.LANGFUSE_PUBLIC_KEY = server.publicKey;
process.env.LANGFUSE_SECRET_KEY = server.secretKey;
console.log(`local Langfuse-compatible server on ${server.url}\n`);

const { main } = await import('./index.mjs');
const stats = await main();

console.log(`\nthe server received ${server.received.counts.requests} requests:\n`);
console.log(formatTree(server.received));
await server.close();
const lost = stats.enqueued - stats.delivered;
if (lost !== 0) {
  console.error(`\n${lost} events were not delivered`);
  process.exitCode = 1;
}
