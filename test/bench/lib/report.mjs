// results.json → results.md: one table per scenario plus the targets, each marked met or missed.

const PEERS = ['langfuse-v3', 'langfuse-v5', 'otel'];
const MB = 1024 * 1024;

const int = (n) => (n === undefined || n === null || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const num = (n, d = 1) => (n === undefined || n === null || Number.isNaN(n) ? '—' : n.toFixed(d));
const mb = (b) => (b === undefined ? '—' : `${Math.round(b / MB)} MB`);
const pct = (n, d = 1) => (n === undefined ? '—' : `${n.toFixed(d)}%`);
function ns(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '—';
  if (n < 1000) return `${n.toFixed(n < 10 ? 1 : 0)} ns`;
  return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} µs`;
}
const times = (r) =>
  r === undefined || !Number.isFinite(r) ? '—' : r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(2)}×`;
const verdict = (met) => (met === undefined ? '⏳ pending' : met ? '✅ met' : '❌ missed');

function table(head, rows) {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The best peer's value for a metric (lowest cost or highest throughput). */
function bestPeer(rows, key, higherIsBetter, clientKey = 'client') {
  const peers = rows.filter((r) => PEERS.includes(r[clientKey]) && Number.isFinite(r[key]));
  if (peers.length === 0) return undefined;
  return peers.reduce((best, r) => ((higherIsBetter ? r[key] > best[key] : r[key] < best[key]) ? r : best));
}

/** Flush/shutdown rejections and unhandled rejections the clients produced (findings, not crashes). */
function clientErrorsBlock(rows) {
  const lines = [];
  for (const r of rows) {
    for (const [message, count] of Object.entries(r.clientErrors ?? {})) {
      lines.push(`${r.client}${r.mode ? ` (${r.mode})` : ''}: ${message}${count > 1 ? ` ×${count}` : ''}`);
    }
  }
  return lines.length ? `\n\n**Client errors:** ${lines.join('; ')}` : '';
}

function errorsBlock(errors) {
  if (!errors?.length) return '';
  return `\n\n**Crashed:** ${errors.map((e) => `${e.client ?? e.variant ?? ''}${e.mode ? ` (${e.mode})` : ''}: ${e.error}`).join('; ')}`;
}

function callerSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const trace = s.rows.filter((r) => r.case === 'trace + span');
  const best = bestPeer(trace, 'nsPerOp', false);
  const rows = s.rows.map((r) => {
    if (r.pending) return [r.client, r.case, `⏳ pending: ${r.pending}`, '', '', ''];
    const vs = r.case === 'trace + span' && best ? times(r.nsPerOp / best.nsPerOp) : '';
    return [
      r.client,
      r.case,
      ns(r.nsPerOp),
      r.case === 'trace + span' ? ns(r.nsPerObservation) : '',
      ns(r.cpuNsPerOp),
      vs,
    ];
  });
  return `### 1. Caller-side cost

Median of ${sizes.runs} runs after ${sizes.warmupRuns} warm-up runs; a run is ${sizes.batches} batches of ${int(sizes.batchSize)} calls
(${int(sizes.publishBatch)} for bare publishes), each timed on the caller's stack; the client flushes between batches (untimed).
*CPU incl. deferred* is the process CPU for the run (batches + flushes: validation, serialisation, HTTP) per call.
"trace + span": fusewire publishes a trace and a span (2 messages, so per observation = ÷ 2); \`langfuse\` v3 sends
trace-create + span-create + span-update; v5 and OTel create one span (the trace is implicit). *vs best peer* = this
row ÷ the cheapest peer.

${table(['client', 'case', 'caller ns/op', 'per observation', 'CPU incl. deferred / op', 'vs best peer'], rows)}${errorsBlock(s.errors)}`;
}

/** Re-sent copies of an id, plus ids the client invented (e.g. a carrier span for a trace). */
const dupCell = (r) => (r.extra ? `${int(r.duplicates)} + ${int(r.extra)} extra` : int(r.duplicates));

function e2eSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const bestBurst = bestPeer(s.burst, 'eventsPerSec', true);
  const burstRows = s.burst.map((r) => [
    r.client,
    r.config,
    `${num(r.wallMs / 1000, 2)} s${r.complete ? '' : ' (incomplete)'}`,
    int(r.eventsPerSec),
    `${int(r.lost)} (${pct(r.lostPct)})`,
    dupCell(r),
    int(r.requests),
    int(r.maxInflight),
    int(r.maxConnections),
    mb(r.peakRss),
    ns(r.cpuNsPerEvent),
    bestBurst ? times(r.eventsPerSec / bestBurst.eventsPerSec) : '',
  ]);
  const pacedRows = s.paced.map((r) => [
    r.client,
    int(r.events / (r.createdMs / 1000)),
    `${num((r.wallMs - r.createdMs) / 1000, 2)} s${r.complete ? '' : ' (incomplete)'}`,
    `${int(r.lost)} (${pct(r.lostPct)})`,
    dupCell(r),
    int(r.requests),
    int(r.maxInflight),
    int(r.maxConnections),
    mb(r.peakRss),
    ns(r.cpuNsPerEvent),
    `${num(r.eventLoopDelayMs?.p99)} ms`,
  ]);
  return `### 2. End to end

**Burst:** ${int(sizes.traces)} traces × (trace + span + generation) = ${int(sizes.traces * 3)} events, created in a loop that
yields one macrotask every ${int(sizes.chunk)} traces, then flush + shutdown. *Wall* = first create → the server holds every
event (or the last one that ever arrived, marked incomplete). *Events/s* counts delivered events only. Lost and
duplicated are counted at the server by id: duplicated = copies of an id received beyond the first, "+ N extra" =
spans with ids the caller never created (fusewire's ids are chosen by the bench, so its count is exact). The server stores a trace
as spans over OTLP (fusewire, v5, OTel: 2 spans per trace, trace fields on the root) and as 3 envelopes over the
ingestion API (v3). *CPU/event* = the client process's user+system CPU for the whole run ÷ events. *In flight* = most
HTTP requests the client had open at once (read in the client process from the undici and node:http
diagnostics channels); *connections* = most TCP connections open at once at the server. *vs best peer* = events/s ÷ the best peer's.

${table(['client', 'settings', 'wall', 'events/s delivered', 'lost', 'duplicated', 'requests', 'max in flight', 'connections', 'peak RSS', 'CPU/event', 'vs best peer'], burstRows)}

**Paced:** ${int(sizes.rate)} events/s for ${sizes.seconds} s, each client at its defaults. *Lag* = last create → the server holds every event.

${table(['client', 'achieved events/s', 'lag', 'lost', 'duplicated', 'requests', 'max in flight', 'connections', 'peak RSS', 'CPU/event', 'event-loop p99'], pacedRows)}${clientErrorsBlock([...s.burst, ...s.paced])}${errorsBlock(s.errors)}`;
}

function expressSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const rows = s.rows.map((r) =>
    r.pending
      ? [r.variant, `⏳ pending: ${r.pending}`, '', '', '']
      : [
          r.variant,
          int(r.reqPerSec),
          `${num(r.p99Ms, 0)} ms`,
          r.ratioToBare ? `${Math.round(r.ratioToBare * 100)}%` : '—',
          num(r.unitsPerRequest, 2),
        ],
  );
  return `### 3. Express overhead

Hello-world Express 5, autocannon ${sizes.connections} connections × ${sizes.duration} s (after ${sizes.warmup} s warm-up), every
variant once per round, ${sizes.rounds} round(s), order reversed each round; median of the rounds. *Server units/request* shows the
tracing really reached the server (spans or envelopes per request).

${table(['variant', 'req/s', 'p99', 'vs bare', 'server units / request'], rows)}${errorsBlock(s.errors)}`;
}

function deadSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const rows = s.rows.map((r) => [
    r.client,
    r.config,
    `${num(r.eventLoopDelayMs.healthy.p99)} → ${num(r.eventLoopDelayMs.dead.p99)} ms`,
    `${mb(r.rss.healthy)} → ${mb(r.rss.dead)}`,
    `${mb(r.rss.deadMiddleThird)} / ${mb(r.rss.deadLastThird)}`,
    `${int(r.requestsDuringOutage?.total)} (${int(r.requestsDuringOutage?.max)})`,
    `${pct(r.deliveredPct)}`,
    r.statsAtEndOfOutage
      ? `queue ${int(r.statsAtEndOfOutage.queue.size)} / ${int(r.statsAtEndOfOutage.queue.maxSize)}, refused ${int(r.statsAtEndOfOutage.dropped.queue_full)}`
      : '',
  ]);
  return `### 4. Dead backend

${int(sizes.rate)} events/s: ${sizes.warmupSeconds} s warm-up, ${sizes.healthySeconds} s with the server up, ${sizes.deadSeconds} s with it refusing connections, then up to
${sizes.recoverSeconds} s to deliver after it returns. Each client at its defaults. Event-loop delay p99 from
\`perf_hooks.monitorEventLoopDelay\` (10 ms sampling), healthy → dead; peak RSS healthy → dead; *plateau* compares the
peak RSS of the middle and last thirds of the outage (bounded memory: the last is not higher); *requests tried* = HTTP
requests the client started during the outage (most open at once).

${table(['client', 'settings', 'event-loop p99', 'peak RSS', 'plateau (mid / last third)', 'requests tried (max open)', 'delivered in the end', 'fusewire queue at end of outage'], rows)}${clientErrorsBlock(s.rows)}${errorsBlock(s.errors)}`;
}

/** Every target from the issue, evaluated from whatever scenarios have results. */
export function evaluateTargets(results) {
  const sc = results.scenarios;
  const out = [];
  const add = (target, value, met, note = '') => out.push({ target, value, met, note });

  const caller = sc.caller?.rows ?? [];
  const fwTrace = caller.find((r) => r.client === 'fusewire' && r.case === 'trace + span');
  const fwPublish = caller.find((r) => r.client === 'fusewire' && r.case === 'publish, fusewire subscribed');
  if (fwTrace && fwPublish) {
    const worst = Math.max(fwTrace.nsPerObservation, fwPublish.nsPerOp);
    add(
      'caller-side cost ≤ 0.5 µs per observation',
      `${ns(fwTrace.nsPerObservation)} (trace+span ÷ 2), ${ns(fwPublish.nsPerOp)} (one publish)`,
      worst <= 500,
    );
  } else add('caller-side cost ≤ 0.5 µs per observation', 'not run', undefined);
  const fwInstr = caller.find((r) => r.client === 'fusewire' && r.case === 'instrumented async fn');
  const bareAsync = caller.find((r) => r.client === 'baseline' && r.case === 'async fn, not instrumented');
  if (fwInstr && !fwInstr.pending && bareAsync) {
    const overhead = fwInstr.nsPerOp - bareAsync.nsPerOp;
    add(
      'instrumented async fn: overhead ≤ 0.5 µs per observation',
      `${ns(overhead)} over a bare async call`,
      overhead <= 500,
    );
  } else add('instrumented async fn: overhead ≤ 0.5 µs per observation', fwInstr?.pending ?? 'not run', undefined);

  const burst = sc.e2e?.burst ?? [];
  const fw = burst.find((r) => r.client === 'fusewire');
  const v3 = burst.find((r) => r.client === 'langfuse-v3');
  const v5 = burst.find((r) => r.client === 'langfuse-v5');
  if (fw) {
    add('total CPU per event ≤ 2 µs (burst, deferred work included)', ns(fw.cpuNsPerEvent), fw.cpuNsPerEvent <= 2000);
    if (v3)
      add(
        '≥ 20× cheaper than langfuse v3 (CPU per event)',
        `${times(v3.cpuNsPerEvent / fw.cpuNsPerEvent)} (${ns(v3.cpuNsPerEvent)} vs ${ns(fw.cpuNsPerEvent)})`,
        v3.cpuNsPerEvent / fw.cpuNsPerEvent >= 20,
      );
    if (v5)
      add(
        '≥ 6× cheaper than langfuse v5 (CPU per event)',
        `${times(v5.cpuNsPerEvent / fw.cpuNsPerEvent)} (${ns(v5.cpuNsPerEvent)} vs ${ns(fw.cpuNsPerEvent)})`,
        v5.cpuNsPerEvent / fw.cpuNsPerEvent >= 6,
        v5.lostPct > 1 ? `v5 dropped ${pct(v5.lostPct)} of its spans, which it then never serialised or sent` : '',
      );
    add('end to end ≥ 150k events/s delivered', int(fw.eventsPerSec), fw.eventsPerSec >= 150_000);
    add(
      '0 lost and 0 duplicated (burst)',
      `${int(fw.lost)} lost, ${int(fw.duplicates)} re-sent, ${int(fw.extra ?? 0)} extra`,
      fw.lost === 0 && fw.duplicates === 0 && !fw.extra,
      `burst settings: ${fw.config}`,
    );
    add('peak RSS < 200 MB (burst)', mb(fw.peakRss), fw.peakRss < 200 * MB);
    add('at most a few requests in flight (≤ 4)', int(fw.maxInflight), fw.maxInflight <= 4);
  } else add('end-to-end targets', 'not run', undefined);
  const paced = (sc.e2e?.paced ?? []).find((r) => r.client === 'fusewire');
  if (paced)
    add(
      'paced: 0 lost, 0 duplicated',
      `${int(paced.lost)} lost, ${int(paced.duplicates)} re-sent, ${int(paced.extra ?? 0)} extra`,
      paced.lost === 0 && paced.duplicates === 0 && !paced.extra,
    );

  const ex = sc.express?.rows ?? [];
  const interval = ex.find((r) => r.variant === 'fusewire-interval');
  if (interval?.ratioToBare)
    add(
      'Express with the middleware ≥ 90% of bare (interval mode)',
      `${Math.round(interval.ratioToBare * 100)}%`,
      interval.ratioToBare >= 0.9,
    );
  else add('Express with the middleware ≥ 90% of bare (interval mode)', interval?.pending ?? 'not run', undefined);

  const dead = (sc.dead?.rows ?? []).find((r) => r.client === 'fusewire');
  if (dead) {
    const q = dead.statsAtEndOfOutage?.queue;
    const bound = q ? `queue bound ${int(q.maxSize)} events / ${mb(q.maxBytes)} (estimated bytes)` : '';
    add(
      'dead backend: RSS bounded by the queue limit',
      `peak ${mb(dead.rss.dead)}; mid/last third ${mb(dead.rss.deadMiddleThird)} / ${mb(dead.rss.deadLastThird)}`,
      dead.rss.deadLastThird <= dead.rss.deadMiddleThird * 1.1,
      bound,
    );
    const h = dead.eventLoopDelayMs.healthy.p99;
    const d = dead.eventLoopDelayMs.dead.p99;
    add(
      'dead backend: event-loop p99 unchanged (≤ +20% or +2 ms)',
      `${num(h)} → ${num(d)} ms`,
      d <= Math.max(h * 1.2, h + 2),
    );
  } else add('dead-backend targets', 'not run', undefined);
  return out;
}

export function renderMarkdown(results) {
  const { meta } = results;
  const targets = evaluateTargets(results);
  const v = meta.versions;
  const parts = [
    `## Benchmarks${meta.mode === 'smoke' ? ' (smoke run: tiny sizes, the numbers mean nothing)' : ''}`,
    `${meta.cpus} × ${meta.cpu}, ${meta.memoryGiB} GiB, ${meta.platform}; Node ${meta.node}; ${meta.date.slice(0, 10)}; load average at start ${meta.loadAverageAtStart.join(' / ')}.
Clients: fusewire ${v['@fusewire/core']}, \`langfuse\` ${v.langfuse} (v3), \`@langfuse/otel\` + \`@langfuse/tracing\` ${v['@langfuse/otel']} (v5) on
\`@opentelemetry/sdk-trace-node\` ${v['@opentelemetry/sdk-trace-node']}, plain OTel (\`sdk-trace-base\` ${v['@opentelemetry/sdk-trace-base']} BatchSpanProcessor +
\`exporter-trace-otlp-http\` ${v['@opentelemetry/exporter-trace-otlp-http']}, OTLP/JSON). One local Langfuse-compatible server (\`@fusewire/test-server\`,
own process) for all. Reproduce: \`npm run bench -w @fusewire/bench\`. Method: [test/bench/README.md](test/bench/README.md).`,
    '### Targets',
    table(
      ['target', 'fusewire', 'verdict', 'note'],
      targets.map((t) => [t.target, t.value, verdict(t.met), t.note]),
    ),
    callerSection(results.scenarios.caller),
    e2eSection(results.scenarios.e2e),
    expressSection(results.scenarios.express),
    deadSection(results.scenarios.dead),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
