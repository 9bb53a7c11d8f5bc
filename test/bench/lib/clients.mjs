// The clients under test, behind one shape, so every scenario runs the same logical work on each.
//
//   traceWithSpan(i)  scenario 1: a trace (name, userId) with one span created and ended
//   trace3(i)         scenarios 2/4/5: the realistic trace of lib/workload.mjs — a root observation with
//                     trace fields and JSON input/output + a generation under it (model, usage, JSON I/O)
//   flush() / shutdown() / stats?()
//   idPrefix?  when set, every span id the caller creates starts with it (the server tells ours from any other)
//
// Each client talks to the same local server (`srv.url`, `srv.publicKey`, `srv.secretKey`).
// `unitsPerTrace3` is what the server should hold per trace3(): spans over OTLP, envelopes over ingestion.
import dc from 'node:diagnostics_channel';
import { createIds } from './ids.mjs';
import { realisticTrace, smallTrace } from './workload.mjs';

export const CLIENTS = ['fusewire', 'langfuse-v3', 'langfuse-v5', 'otel'];

/**
 * Trace `i` of a workload as fusewire's channels take it: the trace message, the root span and the
 * generation under it (what `trace3(i)` publishes; floors.mjs holds the same messages as text).
 */
export function trace3Messages(t, ids, i, start) {
  const g = t.generation;
  const traceId = ids.traceId(i);
  const spanId = ids.spanId(i);
  return [
    { id: traceId, name: t.name, userId: t.userId, sessionId: t.sessionId, tags: t.tags, metadata: t.metadata },
    { id: spanId, traceId, name: t.rootName, input: t.input, output: t.output, startTime: start },
    {
      id: ids.childId(i),
      traceId,
      parentObservationId: spanId,
      name: g.name,
      model: g.model,
      modelParameters: g.modelParameters,
      input: g.input,
      output: g.output,
      usageDetails: g.usage,
      startTime: start,
    },
  ];
}

// Scenario 1 (caller cost) keeps small payloads: a publish's cost does not depend on them.
const QUESTION = { question: 'What is fusewire?' };
const ANSWER = 'A Langfuse client built on diagnostics_channel.';

/**
 * Settings per profile:
 *  - `default`: each library's defaults (what a user gets);
 *  - `burst`: queues large enough to hold a 300k-event burst, where a library lets you raise them.
 */
export async function createClient(name, srv, profile = 'default', extraOptions = {}, payload = 'realistic') {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`unknown client ${name}; known: ${CLIENTS.join(', ')}`);
  if (!WORKLOADS[payload]) throw new Error(`unknown payload ${payload}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  workload = WORKLOADS[payload];
  const client = await factory(srv, profile, extraOptions);
  // A flush or shutdown that rejects is a finding about the client, not a reason to stop measuring.
  client.errors = {};
  const note = (error) => {
    const key = String(error?.message ?? error).slice(0, 200);
    client.errors[key] = (client.errors[key] ?? 0) + 1;
  };
  for (const method of ['flush', 'shutdown']) {
    const fn = client[method];
    client[method] = async () => {
      try {
        return await fn();
      } catch (error) {
        note(error);
      }
    };
  }
  process.on('unhandledRejection', (error) => note(`unhandled rejection: ${error?.message ?? error}`));
  return client;
}

const BURST_QUEUE = 400_000;

// trace3()'s payloads: the realistic trace (#18), or the small strings the bench used before it.
const WORKLOADS = { realistic: realisticTrace, small: smallTrace };
let workload = realisticTrace;

const FACTORIES = {
  async fusewire(srv, profile, extraOptions) {
    const { createFusewire } = await import('@fusewire/core');
    const options = { publicKey: srv.publicKey, secretKey: srv.secretKey, baseUrl: srv.url };
    if (profile === 'burst') Object.assign(options, { maxQueueSize: BURST_QUEUE, maxQueueBytes: 512 * 1024 * 1024 });
    // otlpEncoding / compression (#18): passed through; a core without them ignores them with a warning,
    // and the server's content-type / content-encoding counts show what was really sent.
    Object.assign(options, extraOptions);
    const client = createFusewire(options);
    const traces = dc.channel('langfuse.trace');
    const spans = dc.channel('langfuse.span');
    const generations = dc.channel('langfuse.generation');
    const ids = createIds();
    return {
      name: 'fusewire',
      unitsPerTrace3: 2, // the trace's fields ride on its root span
      idPrefix: ids.spanPrefix, // every span id we create starts with it
      config: describeOptions(options),
      traceWithSpan(i) {
        const traceId = ids.traceId(i);
        const start = Date.now();
        traces.publish({ id: traceId, name: 'bench-trace', userId: 'user-1' });
        spans.publish({
          id: ids.spanId(i),
          traceId,
          name: 'retrieve',
          input: QUESTION,
          output: ANSWER,
          startTime: start,
        });
      },
      trace3(i) {
        const [trace, span, generation] = trace3Messages(workload(i), ids, i, Date.now());
        traces.publish(trace);
        spans.publish(span);
        generations.publish(generation);
      },
      publishSpan(i) {
        spans.publish({
          id: ids.spanId(i),
          traceId: ids.traceId(i),
          name: 'retrieve',
          input: QUESTION,
          output: ANSWER,
        });
      },
      flush: () => client.flush(60_000),
      shutdown: () => client.shutdown(60_000),
      stats: () => client.stats(),
      core: await import('@fusewire/core'),
      client,
    };
  },

  async 'langfuse-v3'(srv) {
    const { Langfuse } = await import('langfuse');
    const options = { publicKey: srv.publicKey, secretKey: srv.secretKey, baseUrl: srv.url };
    const lf = new Langfuse(options);
    lf.on?.('error', () => {}); // it emits errors for failed requests; the server counts the loss
    const ids = createIds();
    return {
      name: 'langfuse-v3',
      unitsPerTrace3: 3, // trace-create, span-create, generation-create
      config: 'defaults (flushAt 15, flushInterval 10 s)',
      traceWithSpan(i) {
        const trace = lf.trace({ id: ids.traceId(i), name: 'bench-trace', userId: 'user-1' });
        trace.span({ id: ids.spanId(i), name: 'retrieve', input: QUESTION }).end({ output: ANSWER });
      },
      trace3(i) {
        const t = workload(i);
        const g = t.generation;
        const start = new Date();
        const trace = lf.trace({
          id: ids.traceId(i),
          name: t.name,
          userId: t.userId,
          sessionId: t.sessionId,
          tags: t.tags,
          metadata: t.metadata,
        });
        const span = trace.span({
          id: ids.spanId(i),
          name: t.rootName,
          input: t.input,
          output: t.output,
          startTime: start,
          endTime: start,
        });
        span.generation({
          id: ids.childId(i),
          name: g.name,
          model: g.model,
          modelParameters: g.modelParameters,
          input: g.input,
          output: g.output,
          usageDetails: g.usage,
          startTime: start,
          endTime: start,
        });
      },
      flush: () => lf.flushAsync(),
      shutdown: () => lf.shutdownAsync(),
    };
  },

  async 'langfuse-v5'(srv) {
    const { LangfuseSpanProcessor } = await import('@langfuse/otel');
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { startObservation, startActiveObservation, propagateAttributes } = await import('@langfuse/tracing');
    const processor = new LangfuseSpanProcessor({
      publicKey: srv.publicKey,
      secretKey: srv.secretKey,
      baseUrl: srv.url,
    });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    provider.register(); // what NodeSDK.start() does for traces: global provider + AsyncLocalStorage context
    const traceAttrs = { userId: 'user-1', traceName: 'bench-trace' };
    return {
      name: 'langfuse-v5',
      unitsPerTrace3: 2, // root span (carries the trace attributes) + generation
      config: 'defaults (BatchSpanProcessor: queue 2048, batch 512, 5 s)',
      traceWithSpan() {
        propagateAttributes(traceAttrs, () => {
          startObservation('retrieve', { input: QUESTION }).update({ output: ANSWER }).end();
        });
      },
      trace3(i) {
        const t = workload(i);
        const g = t.generation;
        const attrs = {
          traceName: t.name,
          userId: t.userId,
          sessionId: t.sessionId,
          tags: t.tags,
          metadata: t.metadata,
        };
        propagateAttributes(attrs, () => {
          const span = startObservation(t.rootName, { input: t.input, output: t.output });
          span
            .startObservation(
              g.name,
              {
                model: g.model,
                modelParameters: g.modelParameters,
                input: g.input,
                output: g.output,
                usageDetails: g.usage,
              },
              { asType: 'generation' },
            )
            .end();
          span.end();
        });
      },
      tracedAsync: (fn) => startActiveObservation('work', () => fn()),
      flush: () => provider.forceFlush(),
      shutdown: () => provider.shutdown(),
    };
  },

  async otel(srv, profile) {
    const api = await import('@opentelemetry/api');
    const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const exporter = new OTLPTraceExporter({
      url: `${srv.url}/api/public/otel/v1/traces`,
      headers: { Authorization: srv.authorization },
    });
    const bspOptions = profile === 'burst' ? { maxQueueSize: BURST_QUEUE } : {};
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, bspOptions)] });
    provider.register();
    const tracer = provider.getTracer('bench');
    const rootAttrs = {
      'langfuse.trace.name': 'bench-trace',
      'user.id': 'user-1',
      'langfuse.observation.input': JSON.stringify(QUESTION),
    };
    return {
      name: 'otel',
      unitsPerTrace3: 2,
      config: `BatchSpanProcessor + OTLP/JSON exporter, ${profile === 'burst' ? `maxQueueSize ${BURST_QUEUE}, ` : ''}other defaults`,
      traceWithSpan() {
        const span = tracer.startSpan('retrieve', { attributes: rootAttrs });
        span.setAttribute('langfuse.observation.output', JSON.stringify(ANSWER));
        span.end();
      },
      trace3(i) {
        // Langfuse's OTel attributes set by hand, as a user would: JSON.stringify of each object.
        const t = workload(i);
        const g = t.generation;
        const span = tracer.startSpan(t.rootName, {
          attributes: {
            'langfuse.trace.name': t.name,
            'user.id': t.userId,
            'session.id': t.sessionId,
            'langfuse.trace.tags': t.tags,
            'langfuse.trace.metadata': JSON.stringify(t.metadata),
            'langfuse.observation.input': JSON.stringify(t.input),
          },
        });
        const ctx = api.trace.setSpan(api.context.active(), span);
        tracer
          .startSpan(
            g.name,
            {
              attributes: {
                'langfuse.observation.type': 'generation',
                'langfuse.observation.model.name': g.model,
                'langfuse.observation.model.parameters': JSON.stringify(g.modelParameters),
                'langfuse.observation.input': JSON.stringify(g.input),
                'langfuse.observation.output': JSON.stringify(g.output),
                'langfuse.observation.usage_details': JSON.stringify(g.usage),
              },
            },
            ctx,
          )
          .end();
        span.setAttribute('langfuse.observation.output', JSON.stringify(t.output));
        span.end();
      },
      tracedAsync: (fn) =>
        tracer.startActiveSpan('work', async (span) => {
          try {
            return await fn();
          } finally {
            span.end();
          }
        }),
      flush: () => provider.forceFlush(),
      shutdown: () => provider.shutdown(),
    };
  },
};

function describeOptions(options) {
  const shown = Object.entries(options)
    .filter(([k]) => !['publicKey', 'secretKey', 'baseUrl'].includes(k))
    .map(([k, v]) => `${k} ${v}`);
  return shown.length === 0 ? 'defaults' : shown.join(', ');
}
