// A library that instruments itself with Node's TracingChannel alone: no fusewire import,
// no cost when nobody listens. With fusewire running, each call becomes an observation,
// nested under whatever observation the caller is in.
import { tracingChannel } from 'node:diagnostics_channel';

const retrieve = tracingChannel('langfuse.retriever');
const embed = tracingChannel('langfuse.embedding');
const rerank = tracingChannel('langfuse.tool');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sync work: traceSync. */
export function embedQuery(text) {
  return embed.traceSync(() => [0.12, -0.4, 0.33], {
    name: 'embed-query',
    input: text,
    model: 'text-embedding-3-small',
  });
}

/** Promise work: tracePromise. The context object is the observation's fields. */
export function search(query) {
  return retrieve.tracePromise(
    async () => {
      const vector = embedQuery(query);
      await sleep(8);
      return [`doc-1 (${vector.length}d)`, 'doc-7'];
    },
    { name: 'vector-search', input: query, metadata: { index: 'docs-v2' } },
  );
}

/** Callback work: traceCallback (the last argument is the callback). */
export function rerankDocs(docs, callback) {
  rerank.traceCallback(
    (list, cb) => setTimeout(() => cb(null, [...list].reverse()), 3),
    -1,
    { name: 'rerank', input: docs },
    undefined,
    docs,
    callback,
  );
}
