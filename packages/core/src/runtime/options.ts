import { z } from 'zod';
import { FusewireConfigError } from './errors.js';
import type { FusewireLogger } from './logger.js';

/** Which endpoint carries traces and observations. Scores always use the ingestion API. */
export type Transport = 'otlp' | 'ingestion';

/** What {@link FusewireOptions.mask} is told about the value it is given. */
export interface MaskContext {
  field: 'input' | 'output' | 'metadata';
  /** The kind of record: `trace`, `span`, `generation`, `event`, `score`, `tool`, … */
  kind: string;
}

/**
 * Options for {@link createFusewire}. Every option can also come from the environment
 * under the official Langfuse SDKs' names; an explicit option wins.
 */
export interface FusewireOptions {
  /** `LANGFUSE_PUBLIC_KEY`. Without both keys fusewire warns once and stays disabled. */
  publicKey?: string;
  /** `LANGFUSE_SECRET_KEY`. Never logged, never in stats or errors. */
  secretKey?: string;
  /** `LANGFUSE_BASE_URL`, then `LANGFUSE_BASEURL`, then `LANGFUSE_HOST`. Default `https://cloud.langfuse.com`. */
  baseUrl?: string;
  /** `otlp` (default; Langfuse's current endpoint) or `ingestion` (the legacy batch API, for old self-hosted servers). */
  transport?: Transport;
  /** `LANGFUSE_FLUSH_AT`: a batch leaves once this many events are waiting. Default 512. */
  flushAt?: number;
  /** `LANGFUSE_FLUSH_INTERVAL` (seconds): the longest an event waits before export. Default 5000 ms. */
  flushIntervalMs?: number;
  /** `LANGFUSE_TIMEOUT` (seconds): deadline for one HTTP request. Default 10000 ms. */
  timeoutMs?: number;
  /** Most events held at once (waiting, in flight or retrying). Newer ones are refused and counted. Default 50000. */
  maxQueueSize?: number;
  /** Most bytes held at once, estimated. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Largest request body. Larger batches are split; a single larger event is dropped as `too_large`. Default 2.5 MB. */
  maxBatchBytes?: number;
  /** Requests in flight at once per endpoint. Default 2. */
  maxConcurrentExports?: number;
  /** How long one batch may keep being retried before it goes to the dead letter. Default 60000 ms. */
  maxRetryElapsedMs?: number;
  /** `LANGFUSE_TRACING_ENVIRONMENT`, e.g. `production`. Lowercase letters, digits, `-` and `_`, at most 40. */
  environment?: string;
  /** `LANGFUSE_RELEASE`: your app's release, attached to every trace. */
  release?: string;
  /** `LANGFUSE_SAMPLE_RATE`: share of traces kept, 0 to 1, decided once per trace. Default 1. */
  sampleRate?: number;
  /** Applied to every input, output and metadata before it is queued. A mask that throws blanks the field. */
  mask?: (value: unknown, context: MaskContext) => unknown;
  /** A pino-compatible logger. Default: warnings and errors to stderr. */
  logger?: FusewireLogger;
  /** Set `false` to turn fusewire off entirely (nothing is subscribed). */
  enabled?: boolean;
  /** How many rejected events are kept for inspection in `deadLetters()`. Default 100. */
  deadLetterSize?: number;
  /** Flush when the process is about to exit on its own (`beforeExit`). Default true. */
  flushOnExit?: boolean;
}

/** Options after defaults, environment and validation. */
export interface ResolvedOptions {
  publicKey: string | undefined;
  secretKey: string | undefined;
  baseUrl: string;
  transport: Transport;
  flushAt: number;
  flushIntervalMs: number;
  timeoutMs: number;
  maxQueueSize: number;
  maxQueueBytes: number;
  maxBatchBytes: number;
  maxConcurrentExports: number;
  maxRetryElapsedMs: number;
  environment: string | undefined;
  release: string | undefined;
  sampleRate: number;
  mask: FusewireOptions['mask'];
  logger: FusewireLogger | undefined;
  enabled: boolean;
  deadLetterSize: number;
  flushOnExit: boolean;
}

export const DEFAULT_BASE_URL = 'https://cloud.langfuse.com';

const positiveInt = (max: number) => z.number().int().min(1).max(max);

interface Field {
  schema: z.ZodType;
  accepts: string;
  env?: string[];
  envUnit?: 'seconds';
}

const FIELDS: Record<keyof FusewireOptions, Field> = {
  publicKey: { schema: z.string().min(1), accepts: 'a non-empty string (pk-lf-…)', env: ['LANGFUSE_PUBLIC_KEY'] },
  secretKey: { schema: z.string().min(1), accepts: 'a non-empty string (sk-lf-…)', env: ['LANGFUSE_SECRET_KEY'] },
  baseUrl: {
    schema: z.url({ protocol: /^https?$/ }),
    accepts: 'an http(s) URL such as https://cloud.langfuse.com',
    env: ['LANGFUSE_BASE_URL', 'LANGFUSE_BASEURL', 'LANGFUSE_HOST'],
  },
  transport: { schema: z.enum(['otlp', 'ingestion']), accepts: "'otlp' or 'ingestion'" },
  flushAt: { schema: positiveInt(100_000), accepts: 'a whole number from 1 to 100000', env: ['LANGFUSE_FLUSH_AT'] },
  flushIntervalMs: {
    schema: z.number().min(10).max(3_600_000),
    accepts: 'milliseconds from 10 to 3600000 (the env var is in seconds)',
    env: ['LANGFUSE_FLUSH_INTERVAL'],
    envUnit: 'seconds',
  },
  timeoutMs: {
    schema: z.number().min(100).max(600_000),
    accepts: 'milliseconds from 100 to 600000 (the env var is in seconds)',
    env: ['LANGFUSE_TIMEOUT'],
    envUnit: 'seconds',
  },
  maxQueueSize: { schema: positiveInt(10_000_000), accepts: 'a whole number from 1 to 10000000' },
  maxQueueBytes: { schema: positiveInt(4 * 1024 ** 3), accepts: 'a whole number of bytes, at least 1' },
  maxBatchBytes: {
    schema: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 ** 2),
    accepts: 'bytes from 1024 to 67108864',
  },
  maxConcurrentExports: { schema: positiveInt(64), accepts: 'a whole number from 1 to 64' },
  maxRetryElapsedMs: { schema: z.number().min(0).max(86_400_000), accepts: 'milliseconds from 0 to 86400000' },
  environment: {
    schema: z.string().regex(/^[a-z0-9_-]{1,40}$/),
    accepts: 'lowercase letters, digits, - and _, 1 to 40 characters (Langfuse replaces anything else by "default")',
    env: ['LANGFUSE_TRACING_ENVIRONMENT'],
  },
  release: {
    schema: z.string().min(1).max(1000),
    accepts: 'a string of 1 to 1000 characters',
    env: ['LANGFUSE_RELEASE'],
  },
  sampleRate: { schema: z.number().min(0).max(1), accepts: 'a number from 0 to 1', env: ['LANGFUSE_SAMPLE_RATE'] },
  mask: {
    schema: z.custom<NonNullable<FusewireOptions['mask']>>((v) => typeof v === 'function'),
    accepts: 'a function (value, { field, kind }) => maskedValue',
  },
  logger: {
    schema: z.custom<FusewireLogger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['error', 'warn', 'info', 'debug'].every((m) => typeof (v as any)[m] === 'function'),
    ),
    accepts: 'a pino-compatible logger with error, warn, info and debug methods',
  },
  enabled: { schema: z.boolean(), accepts: 'true or false' },
  deadLetterSize: { schema: z.number().int().min(0).max(100_000), accepts: 'a whole number from 0 to 100000' },
  flushOnExit: { schema: z.boolean(), accepts: 'true or false' },
};

const DEFAULTS = {
  baseUrl: DEFAULT_BASE_URL,
  transport: 'otlp' as Transport,
  flushAt: 512,
  flushIntervalMs: 5_000,
  timeoutMs: 10_000,
  maxQueueSize: 50_000,
  maxQueueBytes: 64 * 1024 * 1024,
  maxBatchBytes: 2_500_000,
  maxConcurrentExports: 2,
  maxRetryElapsedMs: 60_000,
  sampleRate: 1,
  enabled: true,
  deadLetterSize: 100,
  flushOnExit: true,
};

function fromEnv(
  name: keyof FusewireOptions,
  field: Field,
  env: NodeJS.ProcessEnv,
  quote: (value: unknown) => string,
): unknown {
  for (const variable of field.env ?? []) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    // For error messages, remember which variable a value came from (strings too: baseUrl has three).
    envOrigin.set(name, variable);
    const isNumber = field.schema instanceof z.ZodNumber;
    if (!isNumber) return raw.trim();
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      throw new FusewireConfigError(
        variable,
        `${quote(raw)} is not a number`,
        `Set ${variable} to ${field.accepts}, or unset it.`,
      );
    }
    return field.envUnit === 'seconds' ? value * 1000 : value;
  }
  return undefined;
}

const envOrigin = new Map<string, string>();

/**
 * Merges options, environment and defaults, and validates the result.
 * @throws FusewireConfigError naming the first bad option and what it accepts.
 */
export function resolveOptions(options: FusewireOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new FusewireConfigError(
      'options',
      'expected an object',
      'Call createFusewire() or createFusewire({ ...options }).',
    );
  }
  envOrigin.clear();
  // An error message may quote a bad value, but never one that holds the secret key.
  const secrets = [options.secretKey, env.LANGFUSE_SECRET_KEY].filter(
    (v): v is string => typeof v === 'string' && v.length >= 4,
  );
  const quote = (value: unknown) =>
    typeof value === 'string' && secrets.some((secret) => value.includes(secret))
      ? 'the given value'
      : describeValue(value);
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const key of Object.keys(options)) {
    if (!(key in FIELDS)) {
      const known = Object.keys(FIELDS).join(', ');
      throw new FusewireConfigError(key, 'unknown option', `Known options: ${known}.`);
    }
  }
  for (const [name, field] of Object.entries(FIELDS) as Array<[keyof FusewireOptions, Field]>) {
    const explicit = options[name];
    const value = explicit !== undefined ? explicit : fromEnv(name, field, env, quote);
    if (value === undefined) continue;
    const parsed = field.schema.safeParse(value);
    if (!parsed.success) {
      const source = explicit === undefined ? (envOrigin.get(name) ?? field.env?.[0] ?? name) : name;
      const shown = name === 'secretKey' || name === 'publicKey' ? 'the given value' : quote(value);
      throw new FusewireConfigError(source, `${shown} is not accepted`, `Use ${field.accepts}.`);
    }
    out[name] = parsed.data;
  }
  out.baseUrl = String(out.baseUrl).replace(/\/+$/, '');
  return out as unknown as ResolvedOptions;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return value === null ? 'null' : 'an object';
  return String(value);
}
