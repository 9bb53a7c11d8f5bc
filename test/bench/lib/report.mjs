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
const verdict = (met) =>
  met === null ? 'informational' : met === undefined ? '⏳ pending' : met ? '✅ met' : '❌ missed';

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
(${int(sizes.publishBatch)} for bare publishes${sizes.v3 ? `; langfuse v3: ${sizes.v3.batches} batches` : ''}), each timed on the caller's stack; the client flushes between batches (untimed).
*CPU incl. deferred* is the process CPU for the run (batches + flushes: validation, serialisation, HTTP) per call.
"trace + span": fusewire publishes a trace and a span (2 messages, so per observation = ÷ 2); \`langfuse\` v3 sends
trace-create + span-create + span-update; v5 and OTel create one span (the trace is implicit). *vs best peer* = this
row ÷ the cheapest peer.

${table(['client', 'case', 'caller ns/op', 'per observation', 'CPU incl. deferred / op', 'vs best peer'], rows)}${errorsBlock(s.errors)}`;
}

/** Re-sent copies of an id, plus ids the client invented (e.g. a carrier span for a trace). */
const dupCell = (r) => (r.extra ? `${int(r.duplicates)} + ${int(r.extra)} extra` : int(r.duplicates));

/** "fusewire", "fusewire (protobuf+gzip)": the client and the encoding it was asked for. */
function rowLabel(r) {
  const notes = [
    r.encoding && r.encoding !== 'default' ? r.encoding : '',
    r.payload === 'small' ? 'small payloads' : '',
  ];
  const shown = notes.filter(Boolean);
  return shown.length ? `${r.client} (${shown.join(', ')})` : r.client;
}

const isSmall = (r) => r.payload === 'small';

/** What the server saw on the wire ("json", "protobuf+gzip") and any non-2xx answers. */
function wireCell(r) {
  const wire = Object.keys(r.server?.wire ?? {});
  const bad = Object.entries(r.server?.statuses ?? {}).filter(([code]) => !code.startsWith('2'));
  const refused = bad.length ? ` (answered ${bad.map(([code, n]) => `${code} ×${int(n)}`).join(', ')})` : '';
  return `${wire.join(', ') || '—'}${refused}`;
}

/** fusewire's own account of what it dropped, by reason (events, not spans): "; queue_full 1,234". */
function dropsCell(r) {
  const dropped = Object.entries(r.stats?.dropped ?? {}).filter(([, n]) => n > 0);
  return dropped.length ? `; dropped ${dropped.map(([reason, n]) => `${reason} ${int(n)}`).join(', ')}` : '';
}

/** fusewire's CPU per delivered span ÷ plain OTel's in the same mode. */
function ratioToOtel(rows, r) {
  if (isSmall(r)) return undefined; // OTel runs the realistic traces only
  const otel = rows.find((x) => x.client === 'otel' && Number.isFinite(x.cpuNsPerDeliveredSpan));
  return otel && Number.isFinite(r.cpuNsPerDeliveredSpan)
    ? r.cpuNsPerDeliveredSpan / otel.cpuNsPerDeliveredSpan
    : undefined;
}

function e2eSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const v3 = sizes.v3 ?? {};
  const row = (rows, r, extra) => [
    rowLabel(r),
    wireCell(r),
    ...extra,
    `${int(r.lost)} (${pct(r.lostPct)})${dropsCell(r)}`,
    dupCell(r),
    int(r.requests),
    int(r.maxInflight),
    mb(r.peakRss),
    int(r.bytesPerDeliveredSpan),
    ns(r.cpuNsPerEvent),
    ns(r.cpuNsPerDeliveredSpan),
    times(ratioToOtel(rows, r)),
  ];
  const burstRows = s.burst.map((r) =>
    row(s.burst, r, [
      r.config,
      `${num(r.wallMs / 1000, 2)} s${r.complete ? '' : ' (incomplete)'}`,
      int(r.eventsPerSec),
    ]),
  );
  const pacedRows = s.paced.map((r) =>
    row(s.paced, r, [
      int(r.events / (r.createdMs / 1000)),
      `${num((r.wallMs - r.createdMs) / 1000, 2)} s${r.complete ? '' : ' (incomplete)'}`,
      `${num(r.eventLoopDelayMs?.p99)} ms`,
    ]),
  );
  const tail = [
    'lost',
    'duplicated',
    'requests',
    'max in flight',
    'peak RSS',
    'bytes / span',
    'CPU / event',
    'CPU / delivered span',
    'vs OTel',
  ];
  return `### 2. End to end (realistic traces)

Every trace is a root observation with trace fields (name, userId, sessionId, tags, string metadata) and JSON
input/output (a 4-message chat history and the answer), plus a generation with model, parameters, usage
(input/output/total tokens) and JSON input/output — built fresh per trace (\`lib/workload.mjs\`) and serialised by
each client itself (plain OTel: \`JSON.stringify\` into \`langfuse.observation.input\` etc., as a user would, counted
in its CPU). fusewire runs at its defaults and with each \`otlpEncoding\` × \`compression\`; *wire* is what the
server saw (an option a core does not know yet is ignored, so this column is the proof). One more fusewire
burst row uses the small payloads of the runs before #18 (a question object, a one-line answer), for its RSS.

*CPU / delivered span* = the client process's user+system CPU for the whole run (creating, serialising, sending)
÷ the spans the server holds, a trace counting as 2 spans for every client (v3's 3 envelopes too), so a client
that drops spans gets no credit for not sending them. *vs OTel* = that ÷ plain OTel's in the same table (target
≤ 0.5×). *CPU / event* = the same CPU ÷ events created (3 per trace). *Bytes / span* = request bytes on the wire
÷ delivered spans. Lost and duplicated are counted at the server by id ("+ N extra" = spans with ids the caller
never created); for fusewire, *lost* also shows its own \`stats().dropped\` by reason (in events). *In flight* = most HTTP requests the client had open at once.

**Burst:** ${int(sizes.traces)} traces = ${int(sizes.traces * 3)} events (langfuse v3: ${int(v3.traces ?? sizes.traces)} traces — it is ~20× slower),
created in a loop that yields one macrotask every ${int(sizes.chunk)} traces, then flush + shutdown. *Wall* = first
create → the server holds every event (or the last that ever arrived, marked incomplete).

${table(['client', 'wire', 'settings', 'wall', 'events/s delivered', ...tail], burstRows)}

**Paced:** ${int(sizes.rate)} events/s for ${sizes.seconds} s (langfuse v3: ${v3.seconds ?? sizes.seconds} s), each client at its defaults. *Lag* = last create → the server
holds every event.

${table(['client', 'wire', 'achieved events/s', 'lag', 'event-loop p99', ...tail], pacedRows)}${clientErrorsBlock([...s.burst, ...s.paced])}${errorsBlock(s.errors)}`;
}

function expressSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const share = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '—');
  const rows = s.rows.map((r) =>
    r.pending
      ? [r.variant, `⏳ pending: ${r.pending}`, '', '', '', '', '']
      : [
          r.variant,
          int(r.reqPerSec),
          `${num(r.p99Ms, 0)} ms`,
          r.ratioToBare ? `${Math.round(r.ratioToBare * 100)}%` : '—',
          share(r.appCpuShare),
          share(r.loadCpuShare),
          int(r.sinkBytesPerRequest),
        ],
  );
  const pinned = s.pinned
    ? s.pinned.app && s.pinned.load && s.pinned.sink
      ? `The app runs pinned (\`taskset\`) to core ${s.cores.app}; the sink and autocannon (a process of its own) share core ${s.cores.sinkAndLoad}.`
      : '**Not pinned** (`taskset` unavailable or one core): the app, the sink and autocannon shared the cores.'
    : '';
  return `### 3. Express overhead

Hello-world Express 5, autocannon ${sizes.connections} connections × ${sizes.duration} s (after ${sizes.warmup} s warm-up), every
variant once per round, ${sizes.rounds} round(s), order reversed each round; median of the rounds. The Langfuse stand-in
here is a sink that only counts bytes and answers 200 \`{}\` (\`lib/sink-child.mjs\`), so its CPU stays out of the
measurement. ${pinned} The app's core runs only the app (its tracing, serialisation and HTTP to the sink included);
autocannon needs much less CPU per request than Express, so it keeps up from the shared core — *load CPU* shows
how busy it was (near 100% would mean the load generator, not the app, set the pace). *App CPU* = the app
process's CPU ÷ wall time (100% = its core saturated). *Sink bytes / request* shows the tracing really left the
app (0 for bare and pino-http).

${table(['variant', 'req/s', 'p99', 'vs bare', 'app CPU', 'load CPU', 'sink bytes / request'], rows)}${errorsBlock(s.errors)}`;
}

function drainSection(s) {
  if (!s) return '';
  const { sizes } = s;
  const rows = s.rows.map((r) => [
    r.client,
    r.config,
    int(r.events),
    `${pct(r.deliveredPct)}${r.complete ? '' : ' (incomplete)'}`,
    `${num(r.drainMs / 1000, 2)} s`,
    `${num(r.eventLoopDelayMs.max)} ms`,
    `${num(r.eventLoopDelayMs.p99)} ms`,
    `${num(r.maxTimerLagMs)} ms`,
    ns(r.cpuNsPerDeliveredUnit),
  ]);
  return `### 5. Drain stall

A backlog of ${int(sizes.backlogEvents)} events (realistic traces, as in scenario 2) published while the server is stopped, then
the server comes back and the client is asked to flush; the event-loop delay is sampled from then until the server
holds everything (or nothing arrives for ${sizes.stallMs / 1000} s). The app does nothing else meanwhile, so any delay is the
client's own work: serialisation, compression, HTTP. *Max* / *p99* from \`perf_hooks.monitorEventLoopDelay({ resolution: 1 })\`;
*timer lag* = the longest gap between 1 ms \`setInterval\` ticks, minus 1 ms (a second view of the same stall); the
target's verdict takes the larger of the two maxima. Queues
raised where the library allows (fusewire and OTel as in the burst; v5 at its defaults, so it holds little); peers are
informational. langfuse v3 is left out (it crashed against a dead backend in scenario 4).

${table(['client', 'settings', 'backlog events', 'delivered', 'drain time', 'event-loop max', 'event-loop p99', 'timer lag max', 'CPU / delivered span'], rows)}${clientErrorsBlock(s.rows)}${errorsBlock(s.errors)}`;
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

/** The fusewire row run at its defaults (no encoding asked for). */
const fusewireDefault = (rows) =>
  rows.find((r) => r.client === 'fusewire' && (r.encoding ?? 'default') === 'default' && !isSmall(r));

/**
 * Issue #18's targets, as ratios within one run, evaluated from whatever scenarios have results;
 * `informational` rows (the older targets #18 replaced, peers) carry no verdict.
 */
export function evaluateTargets(results) {
  const sc = results.scenarios;
  const out = [];
  const add = (target, value, met, note = '') => out.push({ target, value, met, note });
  const info = (target, value, note = '') => out.push({ target, value, met: null, note });

  for (const mode of ['paced', 'burst']) {
    const rows = sc.e2e?.[mode] ?? [];
    const fw = fusewireDefault(rows);
    const otel = rows.find((r) => r.client === 'otel');
    const target = `total CPU per delivered span ≤ 0.5× plain OTel's (${mode}, realistic traces)`;
    if (!fw || !otel) {
      add(target, 'not run', undefined);
      continue;
    }
    const ratio = ratioToOtel(rows, fw);
    const others = rows
      .filter((r) => r.client === 'fusewire' && r !== fw && !isSmall(r))
      .map((r) => `${r.encoding} ${times(ratioToOtel(rows, r))}`);
    const notes = [];
    if (others.length) notes.push(`other encodings: ${others.join(', ')}`);
    if (otel.lostPct > 1) notes.push(`OTel delivered ${pct(100 - otel.lostPct)} of its spans`);
    add(
      target,
      `${times(ratio)} (${ns(fw.cpuNsPerDeliveredSpan)} vs ${ns(otel.cpuNsPerDeliveredSpan)}; wire ${wireCell(fw)})`,
      Number.isFinite(ratio) ? ratio <= 0.5 : undefined, // results from before this metric: pending
      notes.join('; '),
    );
  }

  const caller = sc.caller?.rows ?? [];
  const fwTrace = caller.find((r) => r.client === 'fusewire' && r.case === 'trace + span');
  const fwPublish = caller.find((r) => r.client === 'fusewire' && r.case === 'publish, fusewire subscribed');
  if (fwTrace && fwPublish) {
    const worst = Math.max(fwTrace.nsPerObservation, fwPublish.nsPerOp);
    add(
      'caller ≤ 0.3 µs per observation',
      `${ns(fwTrace.nsPerObservation)} (trace+span ÷ 2), ${ns(fwPublish.nsPerOp)} (one publish)`,
      worst <= 300,
    );
  } else add('caller ≤ 0.3 µs per observation', 'not run', undefined);
  const fwInstr = caller.find((r) => r.client === 'fusewire' && r.case === 'instrumented async fn');
  const bareAsync = caller.find((r) => r.client === 'baseline' && r.case === 'async fn, not instrumented');
  if (fwInstr && !fwInstr.pending && bareAsync) {
    const overhead = fwInstr.nsPerOp - bareAsync.nsPerOp;
    add('`instrument()` overhead ≤ 0.5 µs over a bare async call', ns(overhead), overhead <= 500);
  } else add('`instrument()` overhead ≤ 0.5 µs over a bare async call', fwInstr?.pending ?? 'not run', undefined);

  const burst = sc.e2e?.burst ?? [];
  const fw = fusewireDefault(burst);
  if (fw) {
    const others = burst
      .filter((r) => r.client === 'fusewire' && r !== fw && !isSmall(r))
      .map((r) => `${r.encoding} ${mb(r.peakRss)}`);
    const small = burst.find((r) => r.client === 'fusewire' && isSmall(r));
    const notes = [
      others.length ? `other encodings: ${others.join(', ')}` : '',
      small ? `small payloads (the workload before #18): ${mb(small.peakRss)}` : '',
    ];
    add(
      `${int(fw.events)}-event burst held in the queue: peak RSS ≤ 200 MB`,
      `${mb(fw.peakRss)} (realistic traces)`,
      fw.peakRss <= 200 * MB,
      notes.filter(Boolean).join('; '),
    );
  } else add('300,000-event burst held in the queue: peak RSS ≤ 200 MB', 'not run', undefined);

  const ex = sc.express?.rows ?? [];
  const interval = ex.find((r) => r.variant === 'fusewire-interval');
  const request = ex.find((r) => r.variant === 'fusewire-request');
  const exTarget = 'Express hello world with the middleware ≥ 90% of bare req/s (sink CPU kept out)';
  if (interval?.ratioToBare)
    add(
      exTarget,
      `${Math.round(interval.ratioToBare * 100)}% (interval flush)`,
      interval.ratioToBare >= 0.9,
      request?.ratioToBare ? `request flush: ${Math.round(request.ratioToBare * 100)}%` : '',
    );
  else add(exTarget, interval?.pending ?? 'not run', undefined);

  const drain = (sc.drain?.rows ?? []).find((r) => r.client === 'fusewire');
  const drainTarget = `max event-loop delay ≤ 10 ms while draining a ${int(sc.drain?.sizes?.backlogEvents ?? 100_000)}-event backlog`;
  if (drain)
    add(
      drainTarget,
      `max ${num(drain.eventLoopDelayMs.max)} ms, p99 ${num(drain.eventLoopDelayMs.p99)} ms (timer lag max ${num(drain.maxTimerLagMs)} ms)`,
      Math.max(drain.eventLoopDelayMs.max, drain.maxTimerLagMs) <= 10 && drain.complete,
      drain.complete ? '' : `drain incomplete: ${pct(drain.deliveredPct)} delivered`,
    );
  else add(drainTarget, 'not run', undefined);

  // Delivery promises (not #18's, kept: they are what the ratios must not cost).
  if (fw)
    add(
      'burst: 0 lost, 0 duplicated',
      `${int(fw.lost)} lost, ${int(fw.duplicates)} re-sent, ${int(fw.extra ?? 0)} extra`,
      fw.lost === 0 && fw.duplicates === 0 && !fw.extra,
      `burst settings: ${fw.config}`,
    );
  if (fw) add('burst: at most a few requests in flight (≤ 4)', int(fw.maxInflight), fw.maxInflight <= 4);
  const paced = fusewireDefault(sc.e2e?.paced ?? []);
  if (paced)
    add(
      'paced: 0 lost, 0 duplicated',
      `${int(paced.lost)} lost, ${int(paced.duplicates)} re-sent, ${int(paced.extra ?? 0)} extra`,
      paced.lost === 0 && paced.duplicates === 0 && !paced.extra,
    );
  const dead = (sc.dead?.rows ?? []).find((r) => r.client === 'fusewire');
  if (dead) {
    const q = dead.statsAtEndOfOutage?.queue;
    add(
      'dead backend: RSS bounded by the queue limit',
      `peak ${mb(dead.rss.dead)}; mid/last third ${mb(dead.rss.deadMiddleThird)} / ${mb(dead.rss.deadLastThird)}`,
      dead.rss.deadLastThird <= dead.rss.deadMiddleThird * 1.1,
      q ? `queue bound ${int(q.maxSize)} events / ${mb(q.maxBytes)} (estimated bytes)` : '',
    );
    const h = dead.eventLoopDelayMs.healthy.p99;
    const d = dead.eventLoopDelayMs.dead.p99;
    add(
      'dead backend: event-loop p99 unchanged (≤ +20% or +2 ms)',
      `${num(h)} → ${num(d)} ms`,
      d <= Math.max(h * 1.2, h + 2),
    );
  }

  // Informational: the targets #18 replaced (v3/v5 multiples, events/s), as ratios.
  if (fw) {
    for (const peer of ['langfuse-v3', 'langfuse-v5']) {
      const p = burst.find((r) => r.client === peer);
      if (p && Number.isFinite(p.cpuNsPerDeliveredSpan))
        info(
          `CPU per delivered span vs ${peer} (burst)`,
          `${times(fw.cpuNsPerDeliveredSpan / p.cpuNsPerDeliveredSpan)} (${ns(fw.cpuNsPerDeliveredSpan)} vs ${ns(p.cpuNsPerDeliveredSpan)})`,
          p.lostPct > 1 ? `${peer} delivered ${pct(100 - p.lostPct)}` : '',
        );
    }
    info('burst: events/s delivered', int(fw.eventsPerSec), 'was a target (150k); now informational');
  }
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
    drainSection(results.scenarios.drain),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
