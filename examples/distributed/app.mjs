// An app instance: an HTTP endpoint traced with fusewire, exporting through BullMQ. It needs only
// REDIS_URL — no Langfuse keys. Run as many as you like.
//
//   REDIS_URL=redis://127.0.0.1:6379 PORT=3000 node app.mjs
import { channel } from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import { bullmqDelivery } from '@fusewire/bullmq';
import { createFusewire } from '@fusewire/core';

const traces = channel('langfuse.trace');
const generations = channel('langfuse.generation');

export function startApp({ port = Number(process.env.PORT ?? 3000), queueName = process.env.FUSEWIRE_QUEUE } = {}) {
  const fusewire = createFusewire({
    delivery: bullmqDelivery({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', queueName }),
  });
  let n = 0;
  const server = createServer((req, res) => {
    const traceId = `req-${process.pid}-${++n}`;
    const started = Date.now();
    traces.publish({ id: traceId, name: `${req.method} ${req.url}`, userId: 'user-1', input: { url: req.url } });
    const answer = 'Hello from a distributed app';
    generations.publish({
      id: `${traceId}:llm`,
      traceId,
      name: 'answer',
      model: 'gpt-4o-mini',
      input: req.url,
      output: answer,
      usageDetails: { input: 5, output: 7 },
      startTime: started,
      endTime: Date.now(),
    });
    traces.publish({ id: traceId, output: { answer } });
    res.end(`${answer}\n`);
  });
  const listening = new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)));
  return {
    listening,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      return fusewire.shutdown(5000); // as fast as Redis: nothing waits on Langfuse here
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = startApp();
  console.log(`app on http://127.0.0.1:${await app.listening}`);
  process.once('SIGTERM', async () => {
    console.log(await app.stop());
    process.exit(0);
  });
}
