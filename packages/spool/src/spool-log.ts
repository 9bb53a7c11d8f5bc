import type { FusewireLogger } from '@fusewire/core';

type Level = 'error' | 'warn' | 'info';

function consoleLogger(): FusewireLogger {
  const write = (level: string) => (obj: object, msg?: string) => {
    let details = '';
    try {
      details = Object.keys(obj).length > 0 ? ` ${JSON.stringify(obj)}` : '';
    } catch {}
    console.error(`[fusewire-spool] ${level}: ${msg ?? ''}${details}`);
  };
  return { error: write('error'), warn: write('warn'), info: () => {}, debug: () => {} };
}

/** The spool's log: each problem once until it recovers, and a throwing logger is contained. */
export class SpoolLog {
  readonly #logger: FusewireLogger;
  readonly #seen = new Set<string>();

  constructor(logger: FusewireLogger | undefined) {
    this.#logger = logger ?? consoleLogger();
  }

  log(level: Level, details: Record<string, unknown>, message: string): void {
    try {
      this.#logger[level](details, message);
    } catch {
      // A logger that throws must not take the app down with it.
    }
  }

  once(key: string, level: Level, details: Record<string, unknown>, message: string): void {
    if (this.#seen.has(key)) return;
    if (this.#seen.size > 200) this.#seen.clear();
    this.#seen.add(key);
    this.log(level, details, message);
  }

  forget(key: string): boolean {
    return this.#seen.delete(key);
  }
}
