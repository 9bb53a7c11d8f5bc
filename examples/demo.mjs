// `npm run demo`: the quickstart and the Express example against one `fusewire dev` server (a local
// Langfuse-compatible server with a live trace view), what Langfuse would show for each, and where to
// open the view. No Langfuse account needed. In a terminal the view stays up until Ctrl+C.
import { formatTraces, startDevServer } from '@fusewire/dev';
import { runExpressDemo } from './express-app/demo.mjs';
import { runQuickstartDemo } from './quickstart/demo.mjs';

const dev = await startDevServer({ port: 3100 }).catch(() => startDevServer({ port: 0 })); // 3100 taken: any port
console.log(`fusewire dev (a local Langfuse-compatible server) on ${dev.url}\n`);

let lost = 0;
const seen = new Set();
for (const [name, run] of [
  ['examples/quickstart', runQuickstartDemo],
  ['examples/express-app', runExpressDemo],
]) {
  console.log(`── ${name} ${'─'.repeat(60 - name.length)}\n`);
  const stats = await run(dev);
  lost += stats.enqueued - stats.delivered;
  const fresh = dev.traces().filter((t) => !seen.has(t.id));
  for (const t of fresh) seen.add(t.id);
  console.log(`\nwhat Langfuse would show:\n\n${formatTraces(fresh)}\n`);
}

if (lost !== 0) {
  console.error(`${lost} events were not delivered`);
  process.exitCode = 1;
}
console.log(
  `open ${dev.url} to see these ${seen.size} traces in the trace view (npx fusewire dev runs it for your app)`,
);
if (process.stdout.isTTY && !process.env.CI) {
  console.log('the view stays up until Ctrl+C');
  await new Promise((resolve) => process.once('SIGINT', resolve));
}
await dev.close();
