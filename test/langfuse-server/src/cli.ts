#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatTrace } from '@fusewire/langfuse-model';
import { startLangfuseServer } from './start-langfuse-server.js';
import type { IngestionMode, LangfuseTestServer } from './types.js';

const USAGE = `Usage: fusewire-test-server [--port 3030] [--host 127.0.0.1] [--public-key pk-lf-test]
                            [--secret-key sk-lf-test] [--mode v3|v4] [--quiet]`;
const TICK_MS = 1000;
/** Past this many changed traces in one tick, print a count instead of trees. */
const MAX_TREES_PER_TICK = 10;

/** Print the traces that changed since the last tick (a trace's "size" is its observations + scores). */
function watch(server: LangfuseTestServer, quiet: boolean): NodeJS.Timeout {
  const printed = new Map<string, number>();
  let lastRequests = 0;
  return setInterval(() => {
    const { requests, spans, events, rejected } = server.received.counts;
    if (requests === lastRequests) return;
    const failed = server.received.requests.slice(lastRequests).filter((r) => r.status < 200 || r.status >= 300);
    lastRequests = requests;
    for (const r of failed.slice(0, 3)) console.log(`! ${r.endpoint} ${r.status || 'no answer'} ${r.message ?? ''}`);
    if (quiet) {
      console.log(`${requests} requests, ${spans} spans, ${events} events, ${rejected} rejected`);
      return;
    }
    const changed = server.received.traces().filter((t) => {
      const size = t.observations.length + t.scores.length;
      if (printed.get(t.id) === size) return false;
      printed.set(t.id, size);
      return true;
    });
    for (const trace of changed.slice(0, MAX_TREES_PER_TICK)) console.log(`${formatTrace(trace)}\n`);
    if (changed.length > MAX_TREES_PER_TICK) console.log(`… and ${changed.length - MAX_TREES_PER_TICK} more traces\n`);
  }, TICK_MS);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p', default: '3030' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-key': { type: 'string', default: 'pk-lf-test' },
      'secret-key': { type: 'string', default: 'sk-lf-test' },
      mode: { type: 'string', default: 'v3' },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const server = await startLangfuseServer({
    port: Number(values.port),
    host: values.host,
    publicKey: values['public-key'],
    secretKey: values['secret-key'],
    ingestionMode: values.mode as IngestionMode,
    keepBodies: !values.quiet,
  });
  console.log(`fusewire test server (Langfuse-compatible) listening on ${server.url}

  LANGFUSE_BASE_URL=${server.url}
  LANGFUSE_PUBLIC_KEY=${server.publicKey}
  LANGFUSE_SECRET_KEY=${server.secretKey}

Traces are printed as they arrive. Ctrl-C to stop.
`);
  const timer = watch(server, values.quiet === true);
  const stop = () => {
    clearInterval(timer);
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`fusewire-test-server: ${(error as Error)?.message ?? error}\n${USAGE}`);
  process.exit(1);
});
