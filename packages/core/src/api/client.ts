import type { DeadLetter } from '../pipeline/dead-letter.js';
import { globalState } from '../runtime/global-state.js';
import { computeHealth, type FusewireHealth, type HealthOptions, HealthTracker } from '../telemetry/health.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { createConsoleLogger, LogSink } from '../runtime/logger.js';
import { formatProblem } from '../runtime/option-problems.js';
import { type FusewireOptions, resolveOptions } from '../runtime/options.js';
import { createPipeline } from './create-pipeline.js';
import { joinRunning } from './second-client.js';
import { emptyStats, type FusewireStats } from '../pipeline/stats.js';
import { subscribeChannels } from '../channels/subscribers.js';
import { subscribeTracingChannels } from '../channels/tracing-subscribers.js';

/** A running fusewire client. One per process; every bundled copy of fusewire shares it. */
export interface Fusewire {
  /** False when fusewire runs disabled (no keys, or `enabled: false`): everything is a cheap no-op. */
  readonly enabled: boolean;
  /**
   * Sends everything published before the call. Resolves with {@link FusewireStats} when done
   * or after `timeoutMs` (default 10000); never rejects.
   */
  flush(timeoutMs?: number): Promise<FusewireStats>;
  /**
   * Stops taking events, sends what is queued within `timeoutMs` (default 5000), counts the
   * rest under `dropped.shutdown_timeout`, and closes connections. Idempotent; never rejects.
   */
  shutdown(timeoutMs?: number): Promise<FusewireStats>;
  /** Counters that always balance: `enqueued === delivered + pending + sum(dropped)`. */
  stats(): FusewireStats;
  /** The most recent events that could not be delivered, with the reason. */
  deadLetters(): DeadLetter[];
  /**
   * Whether events are getting to Langfuse: `ok`, `degraded` (exports fail but are retried, or the
   * queue is past half full) or `failing` (nothing delivered for `stallThresholdMs` while events
   * wait, or the store is unusable), with the reasons. For dashboards and an export worker's
   * probes; an app's own readiness should not depend on it (see the README).
   *
   * @example
   * ```ts
   * app.get('/internal/tracing', (_req, res) => res.json(fusewire.health({ stallThresholdMs: 30_000 })));
   * ```
   */
  health(options?: HealthOptions): FusewireHealth;
}

class RunningClient implements Fusewire {
  readonly enabled = true;
  readonly #pipeline: Pipeline;

  constructor(pipeline: Pipeline) {
    this.#pipeline = pipeline;
  }

  flush(timeoutMs?: number): Promise<FusewireStats> {
    return this.#pipeline.flush(timeoutMs);
  }

  shutdown(timeoutMs?: number): Promise<FusewireStats> {
    return this.#pipeline.shutdown(timeoutMs);
  }

  stats(): FusewireStats {
    return this.#pipeline.stats();
  }

  deadLetters(): DeadLetter[] {
    return this.#pipeline.ledger.deadLetters.list();
  }

  health(options?: HealthOptions): FusewireHealth {
    return computeHealth(this.#pipeline.stats(), this.#pipeline.ledger.health, this.#pipeline.storeStats(), options);
  }

  get isShutdown(): boolean {
    return this.#pipeline.isShutdown;
  }
}

class DisabledClient implements Fusewire {
  readonly enabled = false;
  flush(): Promise<FusewireStats> {
    return Promise.resolve(emptyStats());
  }
  shutdown(): Promise<FusewireStats> {
    return Promise.resolve(emptyStats());
  }
  stats(): FusewireStats {
    return emptyStats();
  }
  deadLetters(): DeadLetter[] {
    return [];
  }
  health(): FusewireHealth {
    return computeHealth(emptyStats(), new HealthTracker(), undefined);
  }
}

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;

/**
 * Starts fusewire: validates options and the `LANGFUSE_*` environment (an unusable value is
 * reported once in a warning and its default applies; with `strict: true` it throws
 * {@link FusewireConfigError} instead), subscribes to the `langfuse.*` channels and starts the batcher.
 *
 * One pipeline per process: if a client is already running (from this or another bundled copy),
 * a call with no options or the same destination returns it; a call with another destination or
 * a new `mask` returns a handle that joins it — its mask is added (every mask runs, none is ever
 * skipped), its `shutdown()` only flushes and leaves the running client alone, and options the
 * running pipeline cannot take (other keys or URL, say) are logged, naming them.
 *
 * @example
 * ```ts
 * import { createFusewire } from '@fusewire/core';
 * const fusewire = createFusewire({ environment: 'production' }); // keys from LANGFUSE_* env vars
 * process.on('SIGTERM', async () => { await fusewire.shutdown(); process.exit(0); });
 * ```
 */
export function createFusewire(options?: FusewireOptions): Fusewire {
  const opts = resolveOptions(options);
  const state = globalState();
  const running = state.client as (Fusewire & { isShutdown?: boolean }) | undefined;
  if (running?.enabled && running.isShutdown !== true) return joinRunning(running, options, opts, state);

  if (!opts.enabled) return register(new DisabledClient());
  // Configuration problems are reported, never thrown (unless `strict`): the app runs either way.
  const log = new LogSink(opts.logger ?? createConsoleLogger(), [opts.secretKey, opts.publicKey]);
  for (const problem of opts.problems) {
    log.log('warn', { code: 'FUSEWIRE_CONFIG', option: problem.option }, formatProblem(problem));
  }
  // A delivery that needs no keys (a queue whose workers hold them) runs without them.
  const needsKeys = opts.delivery?.needsCredentials !== false;
  if (needsKeys && (opts.publicKey === undefined || opts.secretKey === undefined)) {
    const missing = [
      opts.publicKey === undefined && 'LANGFUSE_PUBLIC_KEY',
      opts.secretKey === undefined && 'LANGFUSE_SECRET_KEY',
    ].filter(Boolean);
    const options = [opts.publicKey === undefined && 'publicKey', opts.secretKey === undefined && 'secretKey'];
    const set = missing.length === 1 ? `is not set. Set it` : `are not set. Set them`;
    log.log(
      'warn',
      { code: 'FUSEWIRE_DISABLED' },
      `fusewire is disabled: ${missing.join(' and ')} ${set} (or pass ${options.filter(Boolean).join(' and ')}) to send traces; your app runs unchanged meanwhile.`,
    );
    return register(new DisabledClient());
  }

  const pipeline = createPipeline(opts);
  const url = new URL(opts.baseUrl);
  if (needsKeys && url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    pipeline.log.log(
      'warn',
      { code: 'FUSEWIRE_INSECURE_URL', host: url.hostname },
      `baseUrl uses plain http to ${url.hostname}: your keys and traces travel unencrypted. Use https.`,
    );
  }
  state.pipeline = pipeline;
  state.clientOptions = opts;
  subscribeChannels(state);
  subscribeTracingChannels(state);
  return register(new RunningClient(pipeline));

  function register(client: Fusewire): Fusewire {
    state.client = client;
    return client;
  }
}

/**
 * The client running in this process, whichever bundled copy of fusewire created it, or
 * undefined when none is. Framework adapters use it so they need no client argument.
 */
export function getFusewire(): Fusewire | undefined {
  return globalState().client as Fusewire | undefined;
}
