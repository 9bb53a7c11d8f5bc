import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LangfuseTestServer, TraceNode } from '@fusewire/test-server';

/**
 * A DAG `depth` levels deep: each level's nodes refer to `width` nodes of the next level, and
 * every node is shared by `width` parents (an ORM result or a parsed document that reuses
 * objects). JSON.stringify would expand it to width^depth leaves; its distinct objects are
 * depth × width.
 */
export function dag(depth: number, width: number, leafText = 'leaf'): Record<string, unknown> {
  let level: Array<Record<string, unknown>> = Array.from({ length: width }, (_, i) => ({ leaf: `${leafText}-${i}` }));
  for (let d = 0; d < depth; d++) {
    const next = level;
    level = Array.from({ length: width }, (_, i) => {
      const node: Record<string, unknown> = { level: d, i };
      for (let k = 0; k < width; k++) node[`ref${k}`] = next[(i + k) % width];
      return node;
    });
  }
  return { root: level[0], also: level[width - 1] };
}

/** Every observation the server stored, by id (both transports). */
export function observationsById(server: Pick<LangfuseTestServer, 'received'>): Map<string, TraceNode> {
  const out = new Map<string, TraceNode>();
  for (const t of server.received.traces()) for (const o of t.observations) out.set(o.id, o);
  return out;
}

/** The longest event-loop stall (ms) while `run` is awaited. */
export async function longestStall<T>(run: () => Promise<T>): Promise<{ value: T; maxMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  try {
    const value = await run();
    return { value, maxMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}
