// One Express variant under load, placed as #18 asks: the app (scenarios/express-app.mjs) pinned to a core
// of its own, autocannon (lib/load-child.mjs) pinned with the byte-counting sink to the other. Shared by
// run.mjs's Express scenario and scenarios/floors.mjs, so both measure the same way.
import { fileURLToPath } from 'node:url';
import { runChild } from './ipc.mjs';
import { APP_CORE, LOAD_CORE, pin } from './pin.mjs';

/** The variants run.mjs's Express scenario compares. */
export const EXPRESS_VARIANTS = [
  'bare',
  'pino-http',
  'fusewire-interval',
  'fusewire-request',
  'langfuse-v3',
  'langfuse-v5',
  'otel',
];
/** Variants only floors.mjs runs: what an AsyncLocalStorage (and the least a tracing middleware adds) costs a request. */
export const FLOOR_VARIANTS = ['als-run', 'als-run-finish', 'als-run-send'];

const APP = fileURLToPath(new URL('../scenarios/express-app.mjs', import.meta.url));
const LOAD = fileURLToPath(new URL('./load-child.mjs', import.meta.url));

/**
 * Runs `variant` once against `sink` (a forkServer() of lib/sink-child.mjs, already pinned). `pinned`
 * ({ app, load }) is updated in place: false once pinning failed. Resolves with `{ run }`, `{ pending }`
 * (the app cannot run this variant yet) or `{ error, stderr }`.
 */
export async function expressRound(variant, { sink, sizes, pinned, timeoutMs, execArgv = [] }) {
  const { connections, duration, warmup } = sizes;
  await sink.call('reset');
  let load;
  const res = await runChild(APP, {
    params: { variant },
    server: sink,
    timeoutMs,
    execArgv,
    onSpawn: (proc) => {
      pinned.app &&= pin(proc.pid, APP_CORE);
    },
    onMessage: async (msg, proc) => {
      if (msg?.type !== 'listening') return undefined;
      pinned.app &&= pin(proc.pid, APP_CORE); // again, for threads started since the fork
      const out = await runChild(LOAD, {
        params: { url: `http://127.0.0.1:${msg.port}/`, connections, duration, warmup },
        timeoutMs: (warmup + duration) * 1000 + 60_000,
        onSpawn: (p) => {
          pinned.load &&= pin(p.pid, LOAD_CORE);
        },
      });
      load = out.ok ? out.result : { error: out.error };
      proc.send({ type: 'stop' });
      return undefined;
    },
  });
  if (res.ok && res.result.pending) return { pending: res.result.pending };
  if (!res.ok || !load || load.error)
    return { error: res.error ?? load?.error ?? 'no load result', stderr: res.stderr };
  const seconds = duration + warmup;
  return {
    run: {
      ...load,
      appCpuMs: res.result.cpuMs,
      appCpuShare: res.result.cpuMs / (seconds * 1000),
      appPeakRss: res.result.peakRss,
      sinkRequests: res.result.server.requests,
      sinkBytes: res.result.server.bytes,
      stats: res.result.stats,
    },
  };
}
