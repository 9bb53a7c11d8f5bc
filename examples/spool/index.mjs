// An app with fusewire on the durable SQLite spool. Every accepted event is committed to the file
// within 100 ms and leaves it only once Langfuse accepted it, so a crash loses nothing accepted.
//
//   LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… FUSEWIRE_SPOOL_PATH=./fusewire.db node index.mjs [count]
//
// `npm run demo` shows the crash story against a local server (demo.mjs).
import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { createFusewire } from '@fusewire/core';
import { sqliteSpool } from '@fusewire/spool';

const spool = sqliteSpool({ path: process.env.FUSEWIRE_SPOOL_PATH ?? './fusewire.db' });
const fusewire = createFusewire({ spool });

const traces = channel('langfuse.trace');
const spans = channel('langfuse.span');

/** Pretend app work: one trace with a span per request. */
function handleRequest(n) {
  const traceId = randomBytes(16).toString('hex');
  const started = Date.now();
  traces.publish({ id: traceId, name: 'spooled-request', userId: `user-${n}`, input: { n } });
  spans.publish({
    id: randomBytes(8).toString('hex'),
    traceId,
    name: 'work',
    startTime: started,
    endTime: started + 3,
  });
}

const count = Number(process.argv[2] ?? 3);
for (let n = 0; n < count; n++) handleRequest(n);

// Wait until the spool holds (or has already sent) everything: from here on a crash loses nothing.
const started = Date.now();
while (fusewire.stats().pending > 0 && spool.stats().events < 2 * count && Date.now() - started < 2_000) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(`published ${count} traces; the spool holds ${spool.stats().events} events (${spool.path})`);
if (process.env.CRASH === '1') {
  console.log('crashing now (SIGKILL), before Langfuse saw anything');
  process.kill(process.pid, 'SIGKILL');
}
// A server would simply keep running; this script waits (up to 10 s) until the spool is empty, which
// includes what an earlier, crashed run left behind: shutdown() sends only this run's own events
// and leaves the rest in the file for the next start.
const deadline = Date.now() + 10_000;
while (spool.stats().events > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
const stats = await fusewire.shutdown(5_000);
console.log(`delivered ${stats.delivered} events (earlier runs' included)`);
