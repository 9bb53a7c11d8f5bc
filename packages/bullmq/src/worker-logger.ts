import type { FusewireLogger } from '@fusewire/core';

/** Warnings and errors to stderr, one line each; info and debug are dropped. */
export function createStderrLogger(prefix = 'fusewire-worker'): FusewireLogger {
  const write = (level: string) => (obj: object, msg?: string) => {
    let details = '';
    try {
      details = Object.keys(obj).length > 0 ? ` ${JSON.stringify(obj)}` : '';
    } catch {
      // Unserialisable details are not worth a crash.
    }
    process.stderr.write(`[${prefix}] ${level}: ${msg ?? ''}${details}\n`);
  };
  return { error: write('error'), warn: write('warn'), info: () => {}, debug: () => {} };
}

/** Wraps a logger so a secret never reaches a line and a throwing logger never reaches the caller. */
export function safeLogger(logger: FusewireLogger, secrets: Array<string | undefined>) {
  const hidden = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const scrub = (text: string) => hidden.reduce((t, s) => t.split(s).join('[redacted]'), text);
  const seen = new Set<string>();
  const log = (level: keyof FusewireLogger, details: Record<string, unknown>, message: string) => {
    try {
      logger[level](JSON.parse(scrub(JSON.stringify(details))) as object, scrub(message));
    } catch {
      // A broken logger must not stop deliveries.
    }
  };
  return {
    log,
    scrub,
    /** The first time `key` is seen only (bounded). */
    once(key: string, level: keyof FusewireLogger, details: Record<string, unknown>, message: string) {
      if (seen.has(key)) return;
      if (seen.size < 1000) seen.add(key);
      log(level, details, message);
    },
    /** Forget `key`, so the next `once` with it logs again (e.g. after a recovery). */
    reset(key: string) {
      seen.delete(key);
    },
  };
}

export type SafeLogger = ReturnType<typeof safeLogger>;
