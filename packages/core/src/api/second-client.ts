import { firstTimeInProcess, type GlobalState } from '../runtime/global-state.js';
import { createConsoleLogger, LogSink } from '../runtime/logger.js';
import type { FusewireOptions, ResolvedOptions } from '../runtime/options.js';
import type { Fusewire } from './client.js';

/** Options a running pipeline cannot take from a later call: where events go. */
const DESTINATION = new Set(['publicKey', 'secretKey', 'baseUrl', 'transport', 'store', 'delivery']);
/** Compared but never "not applied": a logger is per call, a mask is added. */
const NOT_COMPARED = new Set(['logger', 'mask', 'problems', 'strict']);

/**
 * The rule for a second `createFusewire()` while a client runs (one pipeline per process):
 * - the same destination (keys, URL, transport, store) and no new mask: the running client
 *   itself (options that only tune it — timings, limits — cannot change a running pipeline and
 *   are named in one warning);
 * - another destination or a new mask: a handle that joins the running client. Its mask is
 *   added to the running pipeline (masks are never skipped), its `shutdown()` only flushes and
 *   leaves the running client alone, and the options not applied are named in one error (the
 *   events go to the running client's project).
 */
export function joinRunning(
  running: Fusewire,
  options: FusewireOptions | undefined,
  opts: ResolvedOptions,
  state: GlobalState,
): Fusewire {
  if (options === undefined || Object.keys(options).length === 0) return running;
  const first = (state.clientOptions ?? {}) as Record<string, unknown>;
  const mine = opts as unknown as Record<string, unknown>;
  const ignored = Object.keys(mine).filter((key) => !NOT_COMPARED.has(key) && !same(key, mine[key], first[key]));
  const newMask = opts.mask !== undefined && opts.mask !== first.mask;
  if (ignored.length > 0) reportIgnored(ignored, opts);
  if (!newMask && !ignored.some((key) => DESTINATION.has(key))) return running;
  if (newMask) state.pipeline?.addMask?.(opts.mask!);
  return joinedHandle(running);
}

function same(key: string, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Credentials in a URL are not where events go (fusewire sends its own authorization).
  return (
    key === 'baseUrl' && typeof a === 'string' && typeof b === 'string' && withoutUserinfo(a) === withoutUserinfo(b)
  );
}

function withoutUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/+$/, '');
  } catch {
    return url;
  }
}

function reportIgnored(ignored: string[], opts: ResolvedOptions): void {
  if (!firstTimeInProcess(`second-client:${ignored.join(',')}`)) return;
  const destination = ignored.filter((key) => DESTINATION.has(key));
  const log = new LogSink(opts.logger ?? createConsoleLogger(), [opts.secretKey]);
  const names = ignored.join(', ');
  if (destination.length > 0) {
    log.log(
      'error',
      { code: 'FUSEWIRE_CONFIG', ignored },
      `a fusewire client is already running in this process, so ${names} of this createFusewire() call were not applied: every event in a process goes through the first client's pipeline, to its project. Shut the running client down first to switch, or run the second project in another process.`,
    );
    return;
  }
  log.log(
    'warn',
    { code: 'FUSEWIRE_CONFIG', ignored },
    `a fusewire client is already running in this process, so ${names} of this createFusewire() call were not applied (one pipeline per process; a mask is always added). Pass options to the first createFusewire() or register() call.`,
  );
}

/** A later caller's handle on the running client: everything but stopping it. */
function joinedHandle(running: Fusewire): Fusewire {
  return {
    enabled: true,
    flush: (timeoutMs) => running.flush(timeoutMs),
    // Flushes and lets go: the running client (and its pipeline) stays up for whoever started it.
    shutdown: (timeoutMs = 5_000) => running.flush(timeoutMs),
    stats: () => running.stats(),
    deadLetters: () => running.deadLetters(),
    health: (options) => running.health(options),
  };
}
