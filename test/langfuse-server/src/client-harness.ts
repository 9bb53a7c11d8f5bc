// The one test harness for a fusewire client against this server, shared by core, the adapters
// and the reliability suite. It takes `createFusewire` as an argument, so this package needs no
// dependency on @fusewire/core (which depends on it for its tests).
import dc from 'node:diagnostics_channel';
import type { LangfuseTestServer } from './types.js';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  obj: Record<string, unknown>;
  msg: string;
}

/** A pino-shaped logger that keeps every line, for "logged once" and "never contains" checks. */
export interface CapturingLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  readonly lines: LogLine[];
  /** Lines whose `obj.code` is `code`. */
  withCode(code: string): LogLine[];
  /** Lines whose message matches. */
  matching(re: RegExp): LogLine[];
  /** Every line as one string. */
  text(): string;
}

export function captureLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  return {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    withCode: (code) => lines.filter((l) => l.obj.code === code),
    matching: (re) => lines.filter((l) => re.test(l.msg)),
    text: () => lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)}`).join('\n'),
  };
}

/** A logger that drops everything. */
export const silentLogger = { error() {}, warn() {}, info() {}, debug() {} };

/** The part of `FusewireStats` the balance needs. */
export interface BalanceStats {
  enqueued: number;
  delivered: number;
  pending: number;
  dropped: Record<string, number>;
}

/** Sum of every drop reason. */
export function droppedTotal(s: BalanceStats): number {
  return Object.values(s.dropped).reduce((a, b) => a + b, 0);
}

/** The identity stats() promises: enqueued = delivered + pending + Σ dropped. Throws if not. */
export function expectBalanced(s: BalanceStats): void {
  const right = s.delivered + s.pending + droppedTotal(s);
  if (s.enqueued !== right)
    throw new Error(`stats unbalanced: enqueued ${s.enqueued} ≠ ${right}: ${JSON.stringify(s)}`);
}

/** Drop reasons with a non-zero count, for readable assertions. */
export function nonZeroDrops(s: BalanceStats): Record<string, number> {
  return Object.fromEntries(Object.entries(s.dropped).filter(([, n]) => n > 0));
}

export type ChannelKind = 'trace' | 'span' | 'generation' | 'event' | 'score';

const channels = new Map<string, dc.Channel>();

/** Publishes as any library would: through `node:diagnostics_channel`, no fusewire import. */
export function publish(kind: ChannelKind, message: unknown): void {
  const name = `langfuse.${kind}`;
  let ch = channels.get(name);
  if (ch === undefined) {
    ch = dc.channel(name);
    channels.set(name, ch);
  }
  ch.publish(message);
}

/** Readable fixed ids. */
export const hex32 = (n: number): string => n.toString(16).padStart(32, '0');
export const hex16 = (n: number): string => n.toString(16).padStart(16, '0');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The options the harness sets (the rest pass through). */
interface HarnessOptions {
  baseUrl?: string;
  publicKey?: string;
  secretKey?: string;
  flushIntervalMs?: number;
  flushOnExit?: boolean;
  logger?: unknown;
}

/**
 * `startClient(server, options?)` / `stopClient()` for a package's tests: one client at a time
 * (fusewire is one pipeline per process), pointed at `server`, with test-friendly defaults — a
 * 20 ms interval, no exit hooks, a capturing logger — then `defaults`, then the call's options.
 *
 * @example
 * ```ts
 * import { createFusewire } from '@fusewire/core';
 * export const { startClient, stopClient } = clientHarness(createFusewire, { maxRetryElapsedMs: 10_000 });
 * ```
 */
export function clientHarness<O extends HarnessOptions, C extends { shutdown(timeoutMs?: number): Promise<unknown> }>(
  create: (options?: O) => C,
  defaults: Partial<O> = {},
) {
  let current: C | undefined;
  return {
    startClient(
      server: Pick<LangfuseTestServer, 'url' | 'publicKey' | 'secretKey'>,
      options: Partial<O> = {},
    ): { client: C; logger: CapturingLogger } {
      const logger = captureLogger();
      const client = create({
        baseUrl: server.url,
        publicKey: server.publicKey,
        secretKey: server.secretKey,
        flushIntervalMs: 20,
        flushOnExit: false,
        logger,
        ...defaults,
        ...options,
      } as O);
      current = client;
      return { client, logger };
    },
    /** Shuts the current client down (short deadline) so the next test can start its own. */
    async stopClient(deadlineMs = 1_000): Promise<void> {
      const client = current;
      current = undefined;
      if (client !== undefined) await client.shutdown(deadlineMs);
    },
  };
}

/**
 * Records every `uncaughtException` / `unhandledRejection` while installed: fusewire must never
 * cause one. Call `check()` after each test and `dispose()` at the end.
 */
export function trapProcessErrors(): {
  readonly errors: Array<{ kind: 'uncaughtException' | 'unhandledRejection'; error: unknown }>;
  check(): void;
  dispose(): void;
} {
  const errors: Array<{ kind: 'uncaughtException' | 'unhandledRejection'; error: unknown }> = [];
  const onUncaught = (error: unknown) => errors.push({ kind: 'uncaughtException', error });
  const onUnhandled = (error: unknown) => errors.push({ kind: 'unhandledRejection', error });
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  return {
    errors,
    check() {
      const seen = errors.splice(0).map((e) => `${e.kind}: ${describeThrown(e.error)}`);
      if (seen.length > 0) throw new Error(`uncaught during this test: ${seen.join('; ')}`);
    },
    dispose() {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
    },
  };
}

/** An error as `name: message`, without trusting it. */
export function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return '(unprintable)';
  }
}
