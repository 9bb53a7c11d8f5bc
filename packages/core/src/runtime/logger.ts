/**
 * The logging surface fusewire needs: the subset of pino's API it calls.
 * Pass `pino()` or any object with these methods.
 */
export interface FusewireLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** The default: warnings and errors to stderr, prefixed, nothing else. */
export function createConsoleLogger(): FusewireLogger {
  const write = (level: string) => (obj: object, msg?: string) => {
    const details = Object.keys(obj).length > 0 ? ` ${safeDetails(obj)}` : '';
    console.error(`[fusewire] ${level}: ${msg ?? ''}${details}`);
  };
  const quiet = () => {};
  return { error: write('error'), warn: write('warn'), info: quiet, debug: quiet };
}

function safeDetails(obj: object): string {
  try {
    return JSON.stringify(obj);
  } catch {
    return '';
  }
}

type Level = 'error' | 'warn' | 'info' | 'debug';

const MAX_ONCE_KEYS = 1000;

/**
 * The one internal error sink: every log line fusewire writes goes through here, so
 * a secret is scrubbed in one place and a throwing user logger is contained in one place.
 */
export class LogSink {
  readonly #logger: FusewireLogger;
  readonly #secrets: string[];
  readonly #seen = new Set<string>();

  constructor(logger: FusewireLogger, secrets: Array<string | undefined>) {
    this.#logger = logger;
    this.#secrets = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  }

  log(level: Level, details: Record<string, unknown>, message: string): void {
    try {
      const scrubbed = this.scrub(message);
      const fields = JSON.parse(this.scrub(JSON.stringify(details, bigintSafe))) as object;
      this.#logger[level](fields, scrubbed);
    } catch {
      // A logger that throws must not take the app down with it.
    }
  }

  /** Logs a line the first time `key` is seen (bounded, so a flood of keys stays cheap). */
  once(key: string, level: Level, details: Record<string, unknown>, message: string): void {
    if (this.#seen.has(key)) return;
    // Bounded: when full, start over (a line may repeat) rather than go silent for good.
    if (this.#seen.size >= MAX_ONCE_KEYS) this.#seen.clear();
    this.#seen.add(key);
    this.log(level, details, message);
  }

  /** Lets a `once` key fire again (after a recovery, say). */
  forget(key: string): void {
    this.#seen.delete(key);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
