// autocannon in a process of its own, so the runner can pin it to a core (see run.mjs, Express).
// Reports autocannon's result and its own CPU use, which shows whether the load generator kept up.
import autocannon from 'autocannon';
import { main, params } from './ipc.mjs';

main(async () => {
  const { url, connections, duration, warmup } = params;
  const warm = warmup > 0 ? await autocannon({ url, connections, duration: warmup }) : undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon({ url, connections, duration });
  const cpu = process.cpuUsage(c0);
  return {
    reqPerSec: r.requests.average,
    p99Ms: r.latency.p99,
    p50Ms: r.latency.p50,
    requests: r.requests.total,
    warmupRequests: warm?.requests.total ?? 0,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - t0),
  };
});
