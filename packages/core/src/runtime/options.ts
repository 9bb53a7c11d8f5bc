import type { EventStore } from '../seams/store.js';
import { FusewireConfigError } from './errors.js';
import type { Delivery } from '../seams/delivery.js';
import type { FusewireLogger } from './logger.js';
import { DEFAULTS, FIELDS, type Field } from './option-fields.js';
import { type ConfigProblem, readEnv, rejectValue } from './option-problems.js';

export { DEFAULT_BASE_URL } from './option-fields.js';
export type { ConfigProblem } from './option-problems.js';

/** Which endpoint carries traces and observations. Scores always use the ingestion API. */
export type Transport = 'otlp' | 'ingestion';

/** How OTLP request bodies are encoded: binary protobuf (smaller, cheaper) or OTLP/JSON. */
export type OtlpEncoding = 'protobuf' | 'json';

/** How request bodies are compressed on the wire. */
export type Compression = 'gzip' | 'none';

/** What {@link FusewireOptions.mask} is told about the value it is given. */
export interface MaskContext {
  field: 'input' | 'output' | 'metadata';
  /** The kind of record: `trace`, `span`, `generation`, `event`, `score`, `tool`, … */
  kind: string;
}

/**
 * Options for {@link createFusewire}. Every option can also come from the environment
 * under the official Langfuse SDKs' names; an explicit option wins.
 *
 * A value fusewire cannot use never breaks your app: it is reported once, in a warning that
 * names the option or variable, what was wrong and what is used instead, and the default
 * applies. With `strict: true` it throws {@link FusewireConfigError} instead (for tests and CI).
 */
export interface FusewireOptions {
  /** `LANGFUSE_PUBLIC_KEY` (`pk-lf-…`). Without both keys fusewire warns once and stays disabled. */
  publicKey?: string;
  /** `LANGFUSE_SECRET_KEY` (`sk-lf-…`). Never logged, never in stats or errors. */
  secretKey?: string;
  /** `LANGFUSE_BASE_URL`, then `LANGFUSE_BASEURL`, then `LANGFUSE_HOST`. Default `https://cloud.langfuse.com`. */
  baseUrl?: string;
  /** `otlp` (default; Langfuse's current endpoint) or `ingestion` (the legacy batch API, for old self-hosted servers). */
  transport?: Transport;
  /**
   * `FUSEWIRE_OTLP_ENCODING`: how OTLP requests are encoded. `protobuf` (default) is about half the bytes
   * and less CPU than `json`; `json` is there for a proxy or receiver that reads only OTLP/JSON.
   *
   * @example
   * ```ts
   * createFusewire({ otlpEncoding: 'json' });
   * ```
   */
  otlpEncoding?: OtlpEncoding;
  /**
   * `FUSEWIRE_COMPRESSION`: `gzip` compresses OTLP request bodies (`Content-Encoding: gzip`, on Node's
   * thread pool, so the event loop does not pay for it); `none` (default) sends them as encoded.
   * `maxBatchBytes` counts bytes before compression.
   *
   * @example
   * ```ts
   * createFusewire({ compression: 'gzip' }); // a slow or metered uplink
   * ```
   */
  compression?: Compression;
  /** `LANGFUSE_FLUSH_AT`: a batch leaves once this many events are waiting. Default 512. */
  flushAt?: number;
  /**
   * Milliseconds: the longest an event waits before export. Default 5000. From the environment,
   * `LANGFUSE_FLUSH_INTERVAL` is in **seconds** (as in the Langfuse SDKs); above 600 it warns.
   */
  flushIntervalMs?: number;
  /**
   * Milliseconds a request waits for its answer. Default 10000. `LANGFUSE_TIMEOUT` is in seconds. A request
   * still waiting after this long stops holding one of `maxConcurrentExports` (so a slow server does not
   * stall the queue); after a timeout, the batch's next attempt waits 4 times longer (at most 10 minutes).
   */
  timeoutMs?: number;
  /** Most events held at once (waiting, in flight or retrying). Newer ones are refused and counted. Default 50000. */
  maxQueueSize?: number;
  /** Most bytes held at once, estimated. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Largest request body. Larger batches are split; a single larger event is dropped as `too_large`. Default 2.5 MB. */
  maxBatchBytes?: number;
  /** Requests in flight at once per endpoint. Default 2. */
  maxConcurrentExports?: number;
  /**
   * How long one batch may keep being retried before it goes to the dead letter. Default 60000 ms. Waits the
   * server asks for (`Retry-After`) are not counted: they pause the endpoint and the events stay queued.
   */
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
  /**
   * Flush when the process is about to exit on its own (`beforeExit`), and on SIGTERM or an uncaught
   * exception that nothing else handles, send what can be sent before the process ends as Node would
   * have. Default true.
   */
  flushOnExit?: boolean;
  /** Where accepted events wait until they are sent. Default: in memory (`createMemoryStore()`). */
  store?: EventStore;
  /** The same as `store`, under the name `@fusewire/spool` documents: `createFusewire({ spool: sqliteSpool() })`. */
  spool?: EventStore;
  /**
   * Where assembled requests go (see {@link Delivery}). Default: direct HTTP to `baseUrl`
   * ({@link createHttpDelivery}). A delivery with `needsCredentials: false` (a queue whose workers hold
   * the keys) lets the app run without Langfuse keys.
   */
  delivery?: Delivery;
  /**
   * Throw {@link FusewireConfigError} from `createFusewire()` for an unusable option or environment
   * variable, instead of warning and using the default. Default false. Useful in tests and CI.
   */
  strict?: boolean;
}

/** Options after defaults, environment and validation. */
export interface ResolvedOptions {
  publicKey: string | undefined;
  secretKey: string | undefined;
  baseUrl: string;
  transport: Transport;
  otlpEncoding: OtlpEncoding;
  compression: Compression;
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
  strict: boolean;
  delivery: Delivery | undefined;
  /** `store` or its alias `spool`; undefined: the memory store. */
  store: EventStore | undefined;
  /** What was wrong with the options or environment, for the client to log once it has a logger. */
  problems: ConfigProblem[];
}

const WITHHELD = '[fusewire: the mask option is not a function, value withheld]';

/**
 * Merges options, environment and defaults, and validates the result. Never throws unless
 * `strict: true`: each unusable value is listed in `problems` and its default applies.
 * @throws FusewireConfigError with `strict: true`, naming the first bad option and what it accepts.
 */
export function resolveOptions(input: FusewireOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const problems: ConfigProblem[] = [];
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  const options: Record<string, unknown> = isObject ? (input as Record<string, unknown>) : {};
  const strict = options.strict === true;
  const reject = (p: ConfigProblem) => {
    if (strict) throw new FusewireConfigError(p.option, p.problem, p.hint);
    problems.push(p);
  };
  if (!isObject) {
    reject({
      option: 'options',
      problem: `expected an object, got ${Array.isArray(input) ? 'an array' : describeValue(input)}`,
      hint: 'Call createFusewire() or createFusewire({ ...options }).',
      fallback: 'Using the defaults.',
    });
  }
  // A message may quote a bad value, but never one that holds a secret key.
  const secrets = [options.secretKey, env.LANGFUSE_SECRET_KEY, options.publicKey, env.LANGFUSE_PUBLIC_KEY].filter(
    (v): v is string => typeof v === 'string' && v.length >= 4 && !v.startsWith('pk-lf-'),
  );
  const quote = (value: unknown) =>
    typeof value === 'string' && (value.includes('sk-lf-') || secrets.some((secret) => value.includes(secret)))
      ? 'the given value'
      : describeValue(value);
  const known = Object.keys(FIELDS);
  for (const key of Object.keys(options)) {
    if (key in FIELDS) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    reject({
      option: key,
      problem: 'unknown option',
      hint: near ? `Did you mean \`${near}\`?` : `Known options: ${known.join(', ')}.`,
      fallback: 'It is ignored.',
    });
  }
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [name, field] of Object.entries(FIELDS) as Array<[keyof FusewireOptions, Field]>) {
    const explicit = options[name];
    let value: unknown = explicit;
    let source: string = name;
    if (explicit === undefined) {
      const variable = field.env?.find((v) => env[v] !== undefined && env[v]!.trim() !== '');
      if (variable === undefined) continue;
      source = variable;
      const read = readEnv(field, variable, env[variable]!, quote);
      if ('rejected' in read) {
        reject(read.rejected);
        continue;
      }
      if (read.warning) problems.push(read.warning);
      value = read.value;
    }
    const parsed = field.schema.safeParse(value);
    if (parsed.success) out[name] = parsed.data;
    else {
      reject(rejectValue(name, field, value, source, source !== name, quote));
      if (name === 'mask') out.mask = () => WITHHELD;
    }
  }
  problems.push(...swappedKeys(out, options));
  out.baseUrl = String(out.baseUrl).replace(/\/+$/, '');
  if (out.store !== undefined && out.spool !== undefined && out.store !== out.spool) {
    reject({
      option: 'spool',
      problem: 'both store and spool are set',
      hint: 'They are one option: pass only one.',
      fallback: 'Using store.',
    });
  }
  out.store ??= out.spool;
  delete out.spool;
  out.problems = problems;
  return out as unknown as ResolvedOptions;
}

/** A secret key where the public key goes, or the reverse: said without showing either key. */
function swappedKeys(out: Record<string, unknown>, options: Record<string, unknown>): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  const check = (name: 'publicKey' | 'secretKey', variable: string, wrong: string, right: string) => {
    const value = out[name];
    if (typeof value !== 'string' || !value.startsWith(wrong)) return;
    const source = options[name] !== undefined ? name : variable;
    const other = name === 'publicKey' ? 'secret' : 'public';
    found.push({
      option: source,
      problem: `it holds a ${other} key (it starts with ${wrong}…), so Langfuse will refuse every request`,
      hint: `Set ${source} to the ${right}… key; the two keys look swapped (Langfuse → Settings → API keys).`,
    });
  };
  check('publicKey', 'LANGFUSE_PUBLIC_KEY', 'sk-lf-', 'pk-lf-');
  check('secretKey', 'LANGFUSE_SECRET_KEY', 'pk-lf-', 'sk-lf-');
  return found;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return value === null ? 'null' : 'an object';
  return String(value);
}
