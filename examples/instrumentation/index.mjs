// fusewire instrumentation, end to end:
//
//   node index.mjs                       runs against a local Langfuse-compatible server and prints the tree
//   LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… node index.mjs     sends to Langfuse
//
import { channel } from 'node:diagnostics_channel';
import { promisify } from 'node:util';
import {
  createFusewire,
  getCurrentObservationId,
  getCurrentTraceId,
  instrument,
  startObservation,
  updateCurrentTrace,
  withTrace,
  wrap,
} from '@fusewire/core';
import { rerankDocs, search } from './search-lib.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const scores = channel('langfuse.score');
const events = channel('langfuse.event');

// A pretend model client: a non-streaming call and a stream.
async function llm(messages) {
  await sleep(15);
  return { text: `Answer to: ${messages.at(-1).content}`, usage: { input: 12, output: 7 } };
}
async function* llmStream() {
  for (const chunk of ['fusewire ', 'is ', 'a ', 'notification ', 'bus.']) {
    await sleep(4);
    yield chunk;
  }
}

// wrap(): an instrumented version of a function; attributes may depend on the arguments.
const moderate = wrap(
  'guardrail',
  (text) => ({ name: 'moderation', input: text }),
  async (text) => {
    await sleep(2);
    return { flagged: /password/i.test(text) };
  },
);

async function answer(question) {
  return instrument('agent', { name: 'answer-agent', input: question }, async (agent) => {
    console.log(`[log] traceId=${getCurrentTraceId()} observationId=${getCurrentObservationId()}`);

    const check = await moderate(question);
    if (check.flagged) agent.updateTrace({ tags: ['flagged'] });

    const docs = await search(question); // the library's own TracingChannel, nested here
    const ranked = await promisify(rerankDocs)(docs);
    events.publish({ name: 'docs-ranked', metadata: { count: ranked.length } }); // a plain publish nests too

    const messages = [
      { role: 'system', content: ranked.join('\n') },
      { role: 'user', content: question },
    ];
    const reply = await instrument('generation', { name: 'chat', model: 'gpt-4o', input: messages }, async (obs) => {
      const r = await llm(messages);
      obs.output = r.text; // recorded instead of the whole return value
      obs.usageDetails = r.usage;
      return r;
    });

    // Streaming: end the observation yourself when the stream finishes.
    const gen = startObservation('generation', { name: 'summary-stream', model: 'gpt-4o-mini', input: reply.text });
    let summary = '';
    for await (const chunk of llmStream()) {
      gen.markFirstChunk(); // completionStartTime = first chunk
      summary += chunk;
    }
    gen.end({ output: summary, usageDetails: { input: 9, output: 5 } });

    const score = instrument('evaluator', { name: 'length-check', input: summary }, () =>
      summary.length < 200 ? 1 : 0,
    );
    scores.publish({ name: 'concise', value: score, traceId: getCurrentTraceId(), observationId: agent.id });

    // An error is recorded (level ERROR) and still reaches the caller, as the same object.
    try {
      instrument('tool', { name: 'flaky-cache' }, () => {
        throw new Error('cache unavailable');
      });
    } catch (error) {
      console.log(`[log] recovered from: ${error.message}`);
    }

    updateCurrentTrace({ output: { answer: reply.text, summary } }); // from anywhere below the trace
    return reply.text;
  });
}

export async function main() {
  const fusewire = createFusewire(); // keys and URL from LANGFUSE_* env vars
  // withTrace(): run a block inside a trace (your own id, or a new one) with its fields.
  await withTrace(
    { id: 'example-request-1', name: 'answer-question', userId: 'user-42', sessionId: 'session-7', tags: ['example'] },
    () => answer('What is fusewire?'),
  );
  // Without withTrace the first observation starts the trace (named after it).
  await instrument('chain', { name: 'nightly-batch' }, async () => {
    await Promise.all(['q1', 'q2'].map((q) => instrument('span', { name: `item ${q}` }, () => search(q))));
  });
  const stats = await fusewire.shutdown();
  console.log(`\nsent: ${stats.delivered} delivered, ${stats.pending} pending, dropped:`, stats.dropped);
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.env.LANGFUSE_PUBLIC_KEY && process.env.LANGFUSE_SECRET_KEY) {
    await main();
  } else {
    // No keys: `fusewire dev`, a local Langfuse-compatible server, and what Langfuse would show.
    const { formatTraces, startDevServer } = await import('@fusewire/dev');
    const dev = await startDevServer({ port: 0 });
    process.env.LANGFUSE_BASE_URL = dev.url;
    process.env.LANGFUSE_PUBLIC_KEY = 'pk-lf-dev';
    process.env.LANGFUSE_SECRET_KEY = 'sk-lf-dev';
    console.log(`no LANGFUSE_* keys: using fusewire dev (a local Langfuse) on ${dev.url}\n`);
    const stats = await main();
    console.log(`\n${formatTraces(dev.traces())}`);
    await dev.close();
    if (stats.enqueued !== stats.delivered) process.exitCode = 1;
  }
}
