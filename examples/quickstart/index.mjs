// fusewire quickstart. Publishing needs nothing from fusewire: any library can do this
// with node:diagnostics_channel alone. fusewire's client subscribes, batches and ships.
//
//   LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… node index.mjs
//
// sends to Langfuse Cloud (or LANGFUSE_BASE_URL). `npm run demo` runs it against a local server.
import { randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { createFusewire } from '@fusewire/core';

const traces = channel('langfuse.trace');
const spans = channel('langfuse.span');
const generations = channel('langfuse.generation');
const scores = channel('langfuse.score');

/** A pretend model: canned answers, so the example needs no API key. */
const ANSWERS = {
  'What is the capital of France?': 'Paris is the capital of France.',
  'What is 2 + 2?': '2 + 2 is 4.',
};

/** Pretend LLM app code: a request that retrieves documents and asks a model. */
export function handleQuestion(question) {
  const traceId = `quickstart-${randomUUID()}`; // any id: fusewire maps it to a Langfuse trace id
  const started = Date.now();
  traces.publish({
    id: traceId,
    name: 'answer-question',
    userId: 'user-42',
    tags: ['quickstart'],
    input: { question },
  });

  const rootId = `${traceId}:root`;
  spans.publish({
    id: `${traceId}:retrieve`,
    traceId,
    parentObservationId: rootId,
    name: 'retrieve',
    input: question,
    output: ['doc-1', 'doc-7'],
    startTime: started,
    endTime: started + 12,
  });
  const answer = ANSWERS[question] ?? 'I do not know.';
  generations.publish({
    id: `${traceId}:chat`,
    traceId,
    parentObservationId: rootId,
    name: 'chat',
    model: 'gpt-4o-mini',
    modelParameters: { temperature: 0.2 },
    input: [{ role: 'user', content: question }],
    output: answer,
    usageDetails: { input: 21, output: 9 },
    startTime: started + 12,
    completionStartTime: started + 80,
    endTime: started + 140,
  });
  spans.publish({
    id: rootId,
    traceId,
    name: 'handle-question',
    input: question,
    output: answer,
    startTime: started,
    endTime: started + 150,
  });

  traces.publish({ id: traceId, output: { answer } }); // later fields merge into the same trace
  scores.publish({ traceId, name: 'helpfulness', value: 0.9, comment: 'quickstart' });
  return traceId;
}

export async function main() {
  const fusewire = createFusewire(); // keys and URL from LANGFUSE_* env vars
  handleQuestion('What is the capital of France?');
  handleQuestion('What is 2 + 2?');
  const stats = await fusewire.shutdown();
  const dropped = Object.entries(stats.dropped).filter(([, n]) => n > 0);
  const drops =
    dropped.length === 0 ? '0 dropped' : dropped.map(([reason, n]) => `${n} dropped (${reason})`).join(', ');
  console.log(`sent: ${stats.delivered} delivered, ${stats.pending} pending, ${drops}`);
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
