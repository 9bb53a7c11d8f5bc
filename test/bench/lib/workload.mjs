// The realistic trace every client sends in the end-to-end and drain scenarios (issue #18): a root
// observation with trace fields (name, userId, sessionId, tags, metadata) and JSON input/output (a
// short chat history and the answer), plus a generation with model, parameters, usage and JSON
// input/output. Built fresh per trace (with the trace number in it) so no client can reuse a
// serialisation by object identity; each client serialises these objects itself.

const SYSTEM =
  'You are the support assistant of a developer-tools company. Answer briefly, cite the docs, never invent options.';
const HISTORY = [
  'How do I send traces from a Node.js service to Langfuse without blocking my request handlers?',
  'Publish on diagnostics_channel; a subscriber batches the events and exports them in the background.',
];

/** The fields of trace number `i`, as plain objects (strings only in metadata: v5 propagates strings). */
export function realisticTrace(i) {
  const question = `And what happens to trace ${i} when Langfuse is down for a minute?`;
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: HISTORY[0] },
    { role: 'assistant', content: HISTORY[1] },
    { role: 'user', content: question },
  ];
  const answer = {
    role: 'assistant',
    content:
      'Events wait in a bounded queue and are retried with backoff once it is back; anything over the bound is counted and logged, never thrown into your code.',
  };
  return {
    name: 'support-chat',
    userId: `user-${i % 1000}`,
    sessionId: `session-${i % 250}`,
    tags: ['support', 'chat', 'bench'],
    metadata: { region: 'eu-west-1', release: '2026.11.3', feature: 'support-chat', tenant: `t-${i % 50}` },
    rootName: 'handle-chat',
    input: { messages, channel: 'web', locale: 'en-GB' },
    output: { answer: answer.content, sources: ['docs/delivery.md#retries', 'docs/options.md#maxqueuesize'] },
    generation: {
      name: 'chat-completion',
      model: 'gpt-4o-mini',
      modelParameters: { temperature: 0.2, max_tokens: 256 },
      input: messages,
      output: answer,
      usage: { input: 412, output: 58, total: 470 },
    },
  };
}

/**
 * The small trace the bench used before #18 (a question object and a one-line answer), in the same
 * shape: kept for one fusewire burst row, so the 300k-event RSS figure compares with the earlier runs.
 */
export function smallTrace() {
  const question = { question: 'What is fusewire?' };
  const answer = 'A Langfuse client built on diagnostics_channel.';
  return {
    name: 'bench-trace',
    userId: 'user-1',
    rootName: 'retrieve',
    input: question,
    output: answer,
    generation: { name: 'chat', model: 'gpt-4o', input: question, output: answer, usage: { input: 12, output: 34 } },
  };
}

/** Bytes of the payload objects as JSON (what every client must at least serialise once). */
export function payloadJsonBytes() {
  const t = realisticTrace(1);
  return JSON.stringify([t.input, t.output, t.metadata, t.generation.input, t.generation.output, t.generation.usage])
    .length;
}
