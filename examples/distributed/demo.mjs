// The distributed setup on one machine, against `fusewire dev` (a local Langfuse-compatible server):
// one worker, one app, a few requests, and what Langfuse would show. Needs Redis on 127.0.0.1:6379.
import { formatTraces, startDevServer } from '@fusewire/dev';
import { startApp } from './app.mjs';
import { startWorker } from './worker.mjs';

const dev = await startDevServer({ port: 0 });
process.env.LANGFUSE_BASE_URL = dev.url;
process.env.LANGFUSE_PUBLIC_KEY = 'pk-lf-dev'; // the worker's keys (any: the dev server accepts all)
process.env.LANGFUSE_SECRET_KEY = 'sk-lf-dev';
const queueName = `fusewire-demo-${process.pid}`;

const worker = startWorker({ queueName });
const app = startApp({ port: 0, queueName });
const port = await app.listening;
for (const path of ['/hello', '/weather', '/news']) await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
const stats = await app.stop();
console.log(`the app handed ${stats.delivered} of ${stats.enqueued} events to BullMQ (it has no Langfuse keys)`);

for (let i = 0; i < 100 && worker.stats().eventsDelivered < stats.delivered; i++) {
  await new Promise((r) => setTimeout(r, 100));
}
await worker.close();
console.log(`the worker delivered ${worker.stats().eventsDelivered} events; what Langfuse would show:\n`);
console.log(formatTraces(dev.traces()));
await dev.close();
if (worker.stats().eventsDelivered < stats.delivered) process.exitCode = 1;
