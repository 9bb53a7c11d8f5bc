// The Langfuse-compatible test server, in its own process: in-process it would compete with the
// client for one event loop (and caps near 50k events/s). Driven by the runner over IPC.
import dc from 'node:diagnostics_channel';
import { startLangfuseServer } from '@fusewire/test-server';

const server = await startLangfuseServer({ keepBodies: false });
const received = server.received;

// Traffic the server sees, whoever the client is: requests and connections open at once.
const traffic = { inflight: 0, maxInflight: 0, connections: 0, maxConnections: 0 };
// What went over the wire, per request: "json", "protobuf+gzip", … and the status answered — proof that an
// encoding option was applied (an unknown option is ignored) and whether the server accepted it.
let wire = {};
let statuses = {};
function wireKey(headers) {
  const type = String(headers['content-type'] ?? '');
  const body = type.includes('protobuf') ? 'protobuf' : type.includes('json') ? 'json' : type || 'none';
  const encoding = headers['content-encoding'];
  return encoding && encoding !== 'identity' ? `${body}+${encoding}` : body;
}
dc.subscribe('http.server.request.start', ({ request, response }) => {
  const key = wireKey(request.headers);
  wire[key] = (wire[key] ?? 0) + 1;
  response.once('finish', () => {
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
  });
  traffic.inflight++;
  if (traffic.inflight > traffic.maxInflight) traffic.maxInflight = traffic.inflight;
  response.once('close', () => traffic.inflight--);
});
dc.subscribe('net.server.socket', ({ socket }) => {
  traffic.connections++;
  if (traffic.connections > traffic.maxConnections) traffic.maxConnections = traffic.connections;
  socket.once('close', () => traffic.connections--);
});

// Delivery tracking: when did the server last gain a unit, and when did it hold the expected count.
// With an id prefix (clients whose span ids we choose), only ids the caller created count, so a span
// the client invented (e.g. a trace carrier) cannot stand in for a missing one.
const watch = {
  expected: Number.POSITIVE_INFINITY,
  prefix: undefined,
  doneAt: undefined,
  lastProgressAt: undefined,
  last: 0,
  checkedAt: 0,
};
const unique = () => received.uniqueSpanCount + received.uniqueEventCount;

/** Unique span/event ids starting with `prefix`, and the others. O(ids): called rarely. */
function idStats(prefix) {
  let matching = 0;
  let other = 0;
  for (const map of [received.spanIds(), received.eventIds()]) {
    for (const id of map.keys()) {
      if (id.startsWith(prefix)) matching++;
      else other++;
    }
  }
  return { matching, other };
}

function reached(now) {
  if (unique() < watch.expected) return false;
  if (watch.prefix === undefined) return true;
  if (now - watch.checkedAt < 50) return false;
  watch.checkedAt = now;
  return idStats(watch.prefix).matching >= watch.expected;
}

dc.subscribe('http.server.response.finish', () => {
  const n = unique();
  if (n === watch.last) return;
  watch.last = n;
  watch.lastProgressAt = Date.now();
  if (watch.doneAt === undefined && reached(watch.lastProgressAt)) watch.doneAt = watch.lastProgressAt;
});

function snapshot() {
  const c = received.counts;
  return {
    requests: c.requests,
    rejected: c.rejected,
    rejectedEvents: c.rejectedEvents,
    bytes: c.bytes,
    spans: c.spans,
    events: c.events,
    uniqueSpans: c.uniqueSpans,
    uniqueEvents: c.uniqueEvents,
    duplicateSpans: c.duplicateSpans,
    duplicateEvents: c.duplicateEvents,
    received: c.spans + c.events,
    unique: c.uniqueSpans + c.uniqueEvents,
    duplicateIds: c.duplicateSpans + c.duplicateEvents,
    maxInflight: traffic.maxInflight,
    maxConnections: traffic.maxConnections,
    wire: { ...wire },
    statuses: { ...statuses },
    expected: Number.isFinite(watch.expected) ? watch.expected : undefined,
    doneAt: watch.doneAt,
    lastProgressAt: watch.lastProgressAt,
  };
}

/** Resolves when the expected count is reached, or when nothing new arrived for `stallMs`. */
async function waitDone({ timeoutMs = 120_000, stallMs = 10_000 } = {}) {
  const start = Date.now();
  for (;;) {
    const now = Date.now();
    if (watch.doneAt === undefined && watch.prefix !== undefined && reached(now)) watch.doneAt = watch.lastProgressAt;
    if (watch.doneAt !== undefined) return snapshot();
    const lastMove = watch.lastProgressAt ?? start;
    if (now - start > timeoutMs || now - Math.max(lastMove, start) > stallMs) return snapshot();
    await new Promise((r) => setTimeout(r, 10));
  }
}

const commands = {
  info: () => ({
    url: server.url,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    authorization: server.authorization,
  }),
  reset: () => {
    server.reset();
    wire = {};
    statuses = {};
    traffic.maxInflight = traffic.inflight;
    traffic.maxConnections = traffic.connections;
    Object.assign(watch, {
      expected: Number.POSITIVE_INFINITY,
      prefix: undefined,
      doneAt: undefined,
      lastProgressAt: undefined,
      last: 0,
      checkedAt: 0,
    });
    return snapshot();
  },
  expect: ({ count, prefix }) => {
    Object.assign(watch, { expected: count, prefix, checkedAt: 0 });
    if (watch.doneAt === undefined && reached(Date.now())) watch.doneAt = Date.now();
    return snapshot();
  },
  idStats: ({ prefix }) => idStats(prefix),
  counts: () => snapshot(),
  waitDone,
  refuse: async ({ ms }) => {
    await server.refuseConnections(ms);
    return snapshot();
  },
  stop: async () => {
    await server.stop();
    return snapshot();
  },
  restart: async () => {
    await server.restart();
    return snapshot();
  },
  close: async () => {
    await server.close();
    setImmediate(() => process.exit(0));
    return {};
  },
};

process.on('message', async (msg) => {
  if (msg?.type !== 'server') return;
  try {
    const value = await commands[msg.cmd](msg.args ?? {});
    process.send({ type: 'server-reply', id: msg.id, ok: true, value });
  } catch (error) {
    process.send({ type: 'server-reply', id: msg.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', value: commands.info() });
