import { monitorEventLoopDelay } from 'node:perf_hooks';

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Peak resident set size of this process so far, in bytes (kernel's high-water mark). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** CPU (user + system) since `start` (a process.cpuUsage() value), in nanoseconds. */
export function cpuNs(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) * 1000;
}

/** Event-loop delay in ms, from perf_hooks.monitorEventLoopDelay (10 ms sampling). */
export function eventLoopDelay() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    reset: () => h.reset(),
    read: () => ({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 }),
    stop: () => h.disable(),
  };
}

/** Samples RSS every `ms`; `phase(name)` starts a new bucket; `peaks()` gives each bucket's max, `samples(name)` its samples. */
export function rssSampler(ms = 100) {
  const buckets = new Map();
  let current = 'start';
  const sample = () => {
    const rss = process.memoryUsage.rss();
    let b = buckets.get(current);
    if (!b) buckets.set(current, (b = { peak: 0, samples: [] }));
    if (rss > b.peak) b.peak = rss;
    b.samples.push(rss);
  };
  const timer = setInterval(sample, ms);
  timer.unref();
  sample();
  return {
    phase(name) {
      sample();
      current = name;
      sample();
    },
    peaks() {
      sample();
      return Object.fromEntries([...buckets].map(([k, v]) => [k, v.peak]));
    },
    samples: (name) => buckets.get(name)?.samples ?? [],
    stop: () => clearInterval(timer),
  };
}

/**
 * Calls `emit(count)` so that `perSecond` items are produced per second for `seconds`, catching up
 * on late ticks. Resolves with what was actually produced.
 */
export async function paced(perSecond, seconds, emit, tickMs = 5) {
  const total = Math.round(perSecond * seconds);
  const start = performance.now();
  let done = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((elapsed / 1000) * perSecond)) - done;
      if (due > 0) {
        emit(done, due);
        done += due;
      }
      if (done >= total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  return { produced: done, ms: performance.now() - start };
}
