import { type ActiveObservation, type Fusewire, parseTraceparent, startObservation } from '@fusewire/core';
import { classifyControlFlow } from './control-flow.js';
import { type FlushStrategy, planFlush } from './flush-plan.js';
import { flushSafely } from './flush-safely.js';
import type { RouteInfo } from './types.js';

type EndAttributes = Parameters<ActiveObservation['end']>[0];

interface FinishExtra {
  level?: 'WARNING' | 'ERROR';
  statusMessage?: string;
  metadata?: Record<string, unknown>;
  /** recordError() already ran: keep its status message. */
  errorRecorded?: boolean;
}

/**
 * One traced handler invocation: the root observation (and with it the trace), the moment it
 * ended, and how its events will leave the process. Shared by both router styles.
 */
export class RouteInvocation {
  readonly obs: ActiveObservation;
  readonly strategy: FlushStrategy;
  /** Resolves (never rejects) once the root observation has ended. */
  readonly ended: Promise<void>;
  readonly #client: Fusewire;
  readonly #route: RouteInfo;
  readonly #flushTimeoutMs: number;
  readonly #startedAt = performance.now();
  #settle: () => void = () => {};
  #done = false;

  constructor(client: Fusewire, route: RouteInfo, flushTimeoutMs: number, tryAfter: boolean) {
    this.#client = client;
    this.#route = route;
    this.#flushTimeoutMs = flushTimeoutMs;
    // A caller's W3C traceparent: join its trace under its span; its root names the trace.
    const remote = parseTraceparent(route.traceparent);
    this.obs = startObservation('span', {
      name: route.name,
      input: { method: route.method, path: route.path },
      ...(remote === undefined
        ? { trace: { name: route.name } }
        : { traceId: remote.traceId, parentObservationId: remote.parentObservationId }),
    });
    this.ended = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
    this.strategy = planFlush(this.ended, client, flushTimeoutMs, tryAfter);
  }

  /** Runs `fn` with the root observation as the current context. */
  run<T>(fn: () => T): T {
    return this.obs.run(fn);
  }

  /** Ends the root observation with the response status; later calls do nothing. */
  finish(status: number | undefined, extra: FinishExtra = {}): void {
    if (this.#done) return;
    this.#done = true;
    try {
      const { method, path, requestId } = this.#route;
      const durationMs = Math.round(performance.now() - this.#startedAt);
      const metadata: Record<string, unknown> = { method, path, status, durationMs, ...extra.metadata };
      if (requestId !== undefined) metadata.requestId = requestId;
      const attributes: Record<string, unknown> = { output: { status }, metadata };
      const level = extra.level ?? (status !== undefined && status >= 500 ? 'ERROR' : undefined);
      if (level !== undefined) attributes.level = level;
      // After recordError() the error's own message is the better status message.
      const statusMessage =
        extra.statusMessage ?? (level === 'ERROR' && !extra.errorRecorded ? `HTTP ${status}` : undefined);
      if (statusMessage !== undefined) attributes.statusMessage = statusMessage;
      this.obs.end(attributes as EndAttributes);
    } catch {
      // Tracing never breaks the request.
    } finally {
      this.#settle();
    }
  }

  /**
   * Records a thrown value. Next's control flow (`redirect()`, `notFound()`, …) ends the trace
   * with the status Next will answer and is not an error; anything else is recorded as one (500).
   */
  fail(error: unknown, status = 500): void {
    const flow = classifyControlFlow(error);
    if (flow === undefined) {
      try {
        this.obs.recordError(error);
      } catch {
        // As above.
      }
      this.finish(status, { level: 'ERROR', errorRecorded: true });
      return;
    }
    this.finish(flow.kind === 'internal' ? undefined : flow.status, {
      metadata: { nextControlFlow: flow.kind === 'internal' ? flow.digest : flow.kind },
    });
  }

  /** The bounded flush the `await` strategy needs before the response may leave. */
  flush(): Promise<void> {
    return flushSafely(this.#client, this.#flushTimeoutMs);
  }
}
