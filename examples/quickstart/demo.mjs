// The quickstart against `fusewire dev`, a local Langfuse-compatible server with a live trace view:
// no Langfuse account needed. `node demo.mjs` here, or `npm run demo` at the repository root (which
// also runs the Express example and keeps the view open).
import { formatTraces, startDevServer } from '@fusewire/dev';

/** Run the quickstart against a running dev server; resolves with fusewire's final stats. */
export async function runQuickstartDemo(dev) {
  process.env.LANGFUSE_BASE_URL = dev.url;
  process.env.LANGFUSE_PUBLIC_KEY = 'pk-lf-dev'; // any keys: the dev server accepts all
  process.env.LANGFUSE_SECRET_KEY = 'sk-lf-dev';
  const { main } = await import('./index.mjs');
  return main();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dev = await startDevServer({ port: 0 });
  console.log(`fusewire dev (a local Langfuse) on ${dev.url}\n`);
  const stats = await runQuickstartDemo(dev);
  console.log(`\nwhat Langfuse would show:\n\n${formatTraces(dev.traces())}`);
  await dev.close();
  if (stats.enqueued !== stats.delivered) {
    console.error(`\n${stats.enqueued - stats.delivered} events were not delivered`);
    process.exitCode = 1;
  }
}
