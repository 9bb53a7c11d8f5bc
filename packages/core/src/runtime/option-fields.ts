import { z } from 'zod';
import type { Delivery } from '../seams/delivery.js';
import type { EventStore } from '../seams/store.js';
import type { FusewireLogger } from './logger.js';
import type { Compression, FusewireOptions, OtlpEncoding, Transport } from './options.js';

/** How a numeric option is written: the unit decides how a value is shown back to the user. */
export interface NumberSpec {
  min: number;
  max: number;
  int: boolean;
  /** `ms`: milliseconds in code, seconds in the environment. */
  unit: 'ms' | 'count' | 'bytes' | 'ratio';
}

/** One option: how it is validated, read from the environment, and described in a warning. */
export interface Field {
  schema: z.ZodType;
  /** What it accepts, as a phrase ("a whole number from 1 to 100000"). */
  accepts: string;
  env?: string[];
  number?: NumberSpec;
  /** What is used instead of a rejected value, as a sentence. */
  fallback: string;
  /** The same for a value from the environment, when it is in another unit (seconds). */
  envFallback?: string;
}

export const DEFAULT_BASE_URL = 'https://cloud.langfuse.com';

export const DEFAULTS = {
  baseUrl: DEFAULT_BASE_URL,
  transport: 'otlp' as Transport,
  otlpEncoding: 'protobuf' as OtlpEncoding,
  compression: 'none' as Compression,
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
  strict: false,
};

/** An environment variable that sets a value in seconds above this is probably milliseconds. */
export const IMPLAUSIBLE_ENV_SECONDS = 600;

function numeric(spec: NumberSpec, env?: string[]): Pick<Field, 'schema' | 'accepts' | 'number' | 'env'> {
  let schema = z.number().min(spec.min).max(spec.max);
  if (spec.int) schema = schema.int();
  const whole = spec.int ? 'a whole number' : 'a number';
  const accepts =
    spec.unit === 'ms'
      ? `milliseconds from ${spec.min} to ${spec.max}`
      : spec.unit === 'bytes'
        ? `${whole} of bytes from ${spec.min} to ${spec.max}`
        : `${whole} from ${spec.min} to ${spec.max}`;
  return { schema, accepts, number: spec, ...(env ? { env } : {}) };
}

const isDefault = (shown: string) => `Using the default, ${shown}.`;

export const FIELDS: Record<keyof FusewireOptions, Field> = {
  publicKey: {
    schema: z.string().min(1),
    accepts: 'a non-empty string (pk-lf-…)',
    env: ['LANGFUSE_PUBLIC_KEY'],
    fallback: 'Running without it.',
  },
  secretKey: {
    schema: z.string().min(1),
    accepts: 'a non-empty string (sk-lf-…)',
    env: ['LANGFUSE_SECRET_KEY'],
    fallback: 'Running without it.',
  },
  baseUrl: {
    schema: z.url({ protocol: /^https?$/ }),
    accepts: 'an http(s) URL such as https://cloud.langfuse.com',
    env: ['LANGFUSE_BASE_URL', 'LANGFUSE_BASEURL', 'LANGFUSE_HOST'],
    fallback: isDefault(DEFAULT_BASE_URL),
  },
  transport: {
    schema: z.enum(['otlp', 'ingestion']),
    accepts: "'otlp' or 'ingestion'",
    fallback: isDefault("'otlp'"),
  },
  otlpEncoding: {
    schema: z.enum(['protobuf', 'json']),
    accepts: "'protobuf' or 'json'",
    env: ['FUSEWIRE_OTLP_ENCODING'],
    fallback: isDefault("'protobuf'"),
  },
  compression: {
    schema: z.enum(['gzip', 'none']),
    accepts: "'gzip' or 'none'",
    env: ['FUSEWIRE_COMPRESSION'],
    fallback: isDefault("'none'"),
  },
  flushAt: {
    ...numeric({ min: 1, max: 100_000, int: true, unit: 'count' }, ['LANGFUSE_FLUSH_AT']),
    fallback: isDefault('512'),
  },
  flushIntervalMs: {
    ...numeric({ min: 10, max: 3_600_000, int: false, unit: 'ms' }, ['LANGFUSE_FLUSH_INTERVAL']),
    fallback: isDefault('5000 ms'),
    envFallback: isDefault('5 seconds'),
  },
  timeoutMs: {
    ...numeric({ min: 100, max: 600_000, int: false, unit: 'ms' }, ['LANGFUSE_TIMEOUT']),
    fallback: isDefault('10000 ms'),
    envFallback: isDefault('10 seconds'),
  },
  maxQueueSize: { ...numeric({ min: 1, max: 10_000_000, int: true, unit: 'count' }), fallback: isDefault('50000') },
  maxQueueBytes: {
    ...numeric({ min: 1, max: 4 * 1024 ** 3, int: true, unit: 'bytes' }),
    fallback: isDefault('64 MiB'),
  },
  maxBatchBytes: {
    ...numeric({ min: 1024, max: 64 * 1024 ** 2, int: true, unit: 'bytes' }),
    fallback: isDefault('2500000 bytes'),
  },
  maxConcurrentExports: { ...numeric({ min: 1, max: 64, int: true, unit: 'count' }), fallback: isDefault('2') },
  maxRetryElapsedMs: {
    ...numeric({ min: 0, max: 86_400_000, int: false, unit: 'ms' }),
    fallback: isDefault('60000 ms'),
  },
  environment: {
    schema: z.string().regex(/^(?!langfuse)[a-z0-9_-]{1,40}$/),
    accepts:
      'lowercase letters, digits, - and _, 1 to 40 characters, not starting with "langfuse" (Langfuse\'s rule: it stores anything else as "default" or strips the prefix)',
    env: ['LANGFUSE_TRACING_ENVIRONMENT'],
    fallback: 'Using none (Langfuse shows "default").',
  },
  release: {
    schema: z.string().min(1).max(1000),
    accepts: 'a string of 1 to 1000 characters',
    env: ['LANGFUSE_RELEASE'],
    fallback: 'Using none.',
  },
  sampleRate: {
    ...numeric({ min: 0, max: 1, int: false, unit: 'ratio' }, ['LANGFUSE_SAMPLE_RATE']),
    fallback: isDefault('1 (every trace)'),
  },
  mask: {
    schema: z.custom<NonNullable<FusewireOptions['mask']>>((v) => typeof v === 'function'),
    accepts: 'a function (value, { field, kind }) => maskedValue',
    // A mask that cannot run must not let unmasked data out: as for a mask that throws.
    fallback: 'Every input, output and metadata is withheld until it is fixed.',
  },
  logger: {
    schema: z.custom<FusewireLogger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['error', 'warn', 'info', 'debug'].every((m) => typeof (v as any)[m] === 'function'),
    ),
    accepts: 'a pino-compatible logger with error, warn, info and debug methods',
    fallback: 'Logging to stderr instead.',
  },
  delivery: {
    schema: z.custom<Delivery>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as Partial<Delivery>).send === 'function' &&
        typeof (v as Partial<Delivery>).close === 'function' &&
        typeof (v as Partial<Delivery>).needsCredentials === 'boolean',
    ),
    accepts: 'a Delivery: { name, needsCredentials, send(request, signal), close() }',
    fallback: 'Sending directly over HTTP instead (this needs the Langfuse keys).',
  },
  enabled: { schema: z.boolean(), accepts: 'true or false', fallback: isDefault('true') },
  deadLetterSize: {
    ...numeric({ min: 0, max: 100_000, int: true, unit: 'count' }),
    fallback: isDefault('100'),
  },
  flushOnExit: { schema: z.boolean(), accepts: 'true or false', fallback: isDefault('true') },
  strict: { schema: z.boolean(), accepts: 'true or false', fallback: isDefault('false') },
  store: storeField(),
  spool: storeField(),
};

function storeField(): Field {
  const methods = ['append', 'claim', 'settle', 'release', 'stats', 'flush', 'close'];
  return {
    schema: z.custom<EventStore>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    ),
    accepts: 'an EventStore (append, claim, settle, release, stats, flush, close), e.g. createMemoryStore()',
    fallback: 'Keeping events in memory instead.',
  };
}
