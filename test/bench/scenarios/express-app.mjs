// Scenario 3 — the app under load: hello-world Express 5 with one variant of tracing/logging.
// Listens on 127.0.0.1, tells the runner its port, serves until told to stop, then shuts its
// client down and reports CPU and memory. autocannon runs in the runner, not here.
import { createServer } from 'node:http';
import express from 'express';
import { EXPRESS_VARIANTS, FLOOR_VARIANTS } from '../lib/express-round.mjs';
import { floorMiddleware } from '../lib/floor-middleware.mjs';
import { main, params, server } from '../lib/ipc.mjs';
import { peakRss } from '../lib/stats.mjs';

const VARIANTS = [...EXPRESS_VARIANTS, ...FLOOR_VARIANTS];

async function tracing(variant, srv) {
  switch (variant) {
    case 'bare':
      return { use: [] };
    case 'pino-http': {
      // pino-http's defaults: pino to stdout (the runner points this child's stdout at /dev/null).
      const { default: pinoHttp } = await import('pino-http');
      return { use: [pinoHttp()] };
    }
    case 'fusewire-interval':
    case 'fusewire-request': {
      let adapter;
      try {
        adapter = await import('@fusewire/express');
      } catch (error) {
        return {
          pending: `@fusewire/express is not built or not importable yet (${String(error?.message ?? error).split('\n')[0]})`,
        };
      }
      if (typeof adapter.middleware !== 'function')
        return { pending: '@fusewire/express does not export middleware() yet' };
      const { createFusewire } = await import('@fusewire/core');
      const client = createFusewire({ publicKey: srv.publicKey, secretKey: srv.secretKey, baseUrl: srv.url });
      const mw = adapter.middleware(client, { flush: variant === 'fusewire-request' ? 'request' : 'interval' });
      return {
        use: Array.isArray(mw) ? mw : [mw],
        shutdown: () => client.shutdown(30_000),
        stats: () => client.stats(),
      };
    }
    case 'langfuse-v3': {
      // v3 has no Express integration; its docs create a trace per request and observations under it.
      const { Langfuse } = await import('langfuse');
      const lf = new Langfuse({ publicKey: srv.publicKey, secretKey: srv.secretKey, baseUrl: srv.url });
      lf.on?.('error', () => {});
      const mw = (req, res, next) => {
        const trace = lf.trace({ name: `${req.method} ${req.path}`, input: { path: req.path } });
        const span = trace.span({ name: 'handler' });
        res.once('finish', () => span.end({ output: { status: res.statusCode } }));
        next();
      };
      return { use: [mw], shutdown: () => lf.shutdownAsync() };
    }
    case 'langfuse-v5': {
      // v5: OTel tracer provider with LangfuseSpanProcessor; the request runs inside an active observation.
      const { LangfuseSpanProcessor } = await import('@langfuse/otel');
      const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
      const { startActiveObservation } = await import('@langfuse/tracing');
      const provider = new NodeTracerProvider({
        spanProcessors: [
          new LangfuseSpanProcessor({ publicKey: srv.publicKey, secretKey: srv.secretKey, baseUrl: srv.url }),
        ],
      });
      provider.register();
      const mw = (req, res, next) =>
        startActiveObservation(
          `${req.method} ${req.path}`,
          (span) => {
            span.update({ input: { path: req.path } });
            res.once('finish', () => span.update({ output: { status: res.statusCode } }).end());
            next();
          },
          { endOnExit: false },
        );
      return { use: [mw], shutdown: () => provider.shutdown() };
    }
    case 'otel': {
      const api = await import('@opentelemetry/api');
      const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
      const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      const exporter = new OTLPTraceExporter({
        url: `${srv.url}/api/public/otel/v1/traces`,
        headers: { Authorization: srv.authorization },
      });
      const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
      provider.register();
      const tracer = provider.getTracer('bench');
      const mw = (req, res, next) => {
        const span = tracer.startSpan(`${req.method} ${req.path}`, { attributes: { 'http.route': req.path } });
        res.once('finish', () => {
          span.setAttribute('http.status_code', res.statusCode);
          span.end();
        });
        api.context.with(api.trace.setSpan(api.context.active(), span), next);
      };
      return { use: [mw], shutdown: () => provider.shutdown() };
    }
    // Floors (scenarios/floors.mjs, not run by run.mjs): what any context-propagating middleware pays before
    // it records anything — an enabled AsyncLocalStorage entered per request, then also a `finish` listener.
    case 'als-run':
    case 'als-run-finish': {
      const { AsyncLocalStorage } = await import('node:async_hooks');
      const als = new AsyncLocalStorage();
      const finish = variant === 'als-run-finish';
      const onFinish = () => {};
      const mw = (req, res, next) => {
        if (finish) res.once('finish', onFinish);
        als.run(req, next);
      };
      return { use: [mw] };
    }
    // The least a tracing middleware does (lib/floor-middleware.mjs).
    case 'als-run-send': {
      const floor = floorMiddleware(srv.url, srv.authorization);
      return { use: [floor.middleware], shutdown: floor.shutdown, stats: () => ({ sent: floor.sent() }) };
    }
    default:
      throw new Error(`unknown variant ${variant}; known: ${VARIANTS.join(', ')}`);
  }
}

main(async () => {
  const { variant } = params;
  const t = await tracing(variant, params.server);
  if (t.pending) return { variant, pending: t.pending };
  const app = express();
  for (const mw of t.use) app.use(mw);
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const http = createServer(app);
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const c0 = process.cpuUsage();
  // The runner runs autocannon, then sends 'stop'.
  await new Promise((resolve) => {
    process.on('message', (msg) => {
      if (msg?.type === 'stop') resolve();
    });
    process.channel?.ref();
    process.send({ type: 'listening', port: http.address().port });
  });
  const cpu = process.cpuUsage(c0);
  await new Promise((resolve) => http.close(resolve));
  http.closeAllConnections?.();
  await Promise.race([t.shutdown?.(), new Promise((r) => setTimeout(r, 30_000))]);
  const counts = await server('counts');
  return { variant, cpuMs: (cpu.user + cpu.system) / 1000, peakRss: peakRss(), stats: t.stats?.(), server: counts };
});
