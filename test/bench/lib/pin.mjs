// CPU pinning for the Express scenario: the app on a core of its own, the sink and the load
// generator on the other, so the app's req/s measures the app's own CPU per request.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export const CORES = os.availableParallelism?.() ?? os.cpus().length;
export const APP_CORE = CORES - 1;
export const LOAD_CORE = 0;

/** Pins every thread of `pid` to `cpu` (taskset -a); false when it cannot (no taskset, one core). */
export function pin(pid, cpu) {
  if (CORES < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
