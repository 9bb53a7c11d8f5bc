// A child process for the end-to-end tests: an app with fusewire on the SQLite spool, driven over
// IPC by the test (publish, stats, shutdown) and killed with SIGKILL when the test says so.
import dc from 'node:diagnostics_channel';
import { createFusewire } from '@fusewire/core';
import { sqliteSpool } from '@fusewire/spool';

const cfg = JSON.parse(process.env.SPOOL_APP_CONFIG);
const warnings = [];
const logger = {
  error: (obj, msg) => warnings.push({ level: 'error', msg, code: obj?.code }),
  warn: (obj, msg) => warnings.push({ level: 'warn', msg, code: obj?.code }),
  info: () => {},
  debug: () => {},
};
const spool = sqliteSpool({ path: cfg.path, retentionMs: 3_600_000, logger, ...cfg.spool });
// Counts what the spool accepted (committed), which is what "accepted" means with a durable store.
const accepted = new Set();
let acceptedTraces = 0;
let refused = 0;
const append = spool.append.bind(spool);
spool.append = (records) => {
  const answer = append(records);
  const no = new Set(answer.refused);
  for (const r of records) {
    if (no.has(r)) continue;
    if (r.kind === 'observation') accepted.add(r.id);
    else if (r.kind === 'trace') acceptedTraces++;
  }
  refused += answer.refused.length;
  return answer;
};
const client = createFusewire({
  baseUrl: cfg.baseUrl,
  publicKey: cfg.publicKey,
  secretKey: cfg.secretKey,
  spool,
  logger,
  ...cfg.client,
});

const traces = dc.channel('langfuse.trace');
const spans = dc.channel('langfuse.span');
const hex = (n, w) => n.toString(16).padStart(w, '0');
const input = cfg.inputBytes ? 'x'.repeat(cfg.inputBytes) : 'hello';

function publish(from, count) {
  for (let i = from; i < from + count; i++) {
    const traceId = cfg.tracePrefix + hex(i, 8);
    const root = cfg.spanPrefix + hex(2 * i, 8);
    const t = Date.now();
    traces.publish({ id: traceId, name: 'spool-trace', userId: `user-${i}`, input: { i } });
    spans.publish({ id: root, traceId, name: 'root', input, startTime: t, endTime: t + 5 });
    spans.publish({
      id: cfg.spanPrefix + hex(2 * i + 1, 8),
      traceId,
      parentObservationId: root,
      name: 'child',
      startTime: t + 1,
      endTime: t + 4,
    });
  }
}

const snapshot = () => ({
  stats: client.stats(),
  spool: spool.stats(),
  health: client.health(),
  accepted: accepted.size,
  acceptedIds: [...accepted],
  refused,
  warnings,
});

process.on('message', async (m) => {
  if (m.cmd === 'publish') {
    // Answer once every record has reached the spool (committed, or refused) or was refused by
    // the queue bound before it got there.
    const want = 3 * m.count;
    const seen = () => accepted.size + acceptedTraces + refused + client.stats().dropped.queue_full;
    const before = seen();
    publish(m.from, m.count);
    const started = Date.now();
    const poll = setInterval(() => {
      if (seen() - before >= want || Date.now() - started > 15_000) {
        clearInterval(poll);
        process.send({ id: m.id, ...snapshot() });
      }
    }, 5);
  } else if (m.cmd === 'stats') {
    process.send({ id: m.id, ...snapshot() });
  } else if (m.cmd === 'shutdown') {
    const stats = await client.shutdown(m.timeoutMs ?? 5_000);
    process.send({ id: m.id, ...snapshot(), stats });
    process.exit(0);
  }
});
process.send({ ready: true, pid: process.pid });
