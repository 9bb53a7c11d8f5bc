import dc from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFusewire, getFusewire } from '../api/client.js';
import { FusewireConfigError } from './errors.js';
import { formatProblem } from './option-problems.js';
import { DEFAULT_BASE_URL, resolveOptions } from './options.js';
import { captureLogger } from '../test-helpers.js';

function configError(fn: () => unknown): FusewireConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FusewireConfigError);
    return error as FusewireConfigError;
  }
  throw new Error('expected a FusewireConfigError');
}

describe('resolveOptions', () => {
  it('has documented defaults', () => {
    const o = resolveOptions({}, {});
    expect(o).toMatchObject({
      baseUrl: DEFAULT_BASE_URL,
      transport: 'otlp',
      otlpEncoding: 'protobuf',
      compression: 'none',
      flushAt: 512,
      flushIntervalMs: 5000,
      timeoutMs: 10_000,
      maxConcurrentExports: 2,
      sampleRate: 1,
      enabled: true,
      deadLetterSize: 100,
    });
    expect(o.publicKey).toBeUndefined();
    expect(o.secretKey).toBeUndefined();
  });

  it('reads the base URL from LANGFUSE_BASE_URL, then LANGFUSE_BASEURL, then LANGFUSE_HOST', () => {
    const all = {
      LANGFUSE_BASE_URL: 'https://a.example',
      LANGFUSE_BASEURL: 'https://b.example',
      LANGFUSE_HOST: 'https://c.example',
    };
    expect(resolveOptions({}, all).baseUrl).toBe('https://a.example');
    expect(resolveOptions({}, { ...all, LANGFUSE_BASE_URL: undefined }).baseUrl).toBe('https://b.example');
    expect(resolveOptions({}, { LANGFUSE_HOST: 'https://c.example/' }).baseUrl).toBe('https://c.example');
    expect(resolveOptions({}, { LANGFUSE_BASE_URL: '  ', LANGFUSE_HOST: 'https://c.example' }).baseUrl).toBe(
      'https://c.example',
    );
    expect(resolveOptions({ baseUrl: 'https://explicit.example' }, all).baseUrl).toBe('https://explicit.example');
  });

  it('reads keys and the other variables', () => {
    const o = resolveOptions(
      {},
      {
        LANGFUSE_PUBLIC_KEY: 'pk-lf-1',
        LANGFUSE_SECRET_KEY: 'sk-lf-1',
        LANGFUSE_FLUSH_AT: '7',
        LANGFUSE_TRACING_ENVIRONMENT: 'staging',
        LANGFUSE_RELEASE: 'v1.2',
        LANGFUSE_SAMPLE_RATE: '0.25',
      },
    );
    expect(o).toMatchObject({
      publicKey: 'pk-lf-1',
      secretKey: 'sk-lf-1',
      flushAt: 7,
      environment: 'staging',
      release: 'v1.2',
      sampleRate: 0.25,
    });
  });

  it('reads FUSEWIRE_OTLP_ENCODING and FUSEWIRE_COMPRESSION; an explicit option wins; a bad value warns once', () => {
    const env = { FUSEWIRE_OTLP_ENCODING: 'json', FUSEWIRE_COMPRESSION: ' gzip ' };
    expect(resolveOptions({}, env)).toMatchObject({ otlpEncoding: 'json', compression: 'gzip', problems: [] });
    expect(resolveOptions({ otlpEncoding: 'protobuf', compression: 'none' }, env)).toMatchObject({
      otlpEncoding: 'protobuf',
      compression: 'none',
    });
    const bad = resolveOptions({}, { FUSEWIRE_OTLP_ENCODING: 'xml' });
    expect(bad.otlpEncoding).toBe('protobuf');
    expect(bad.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^FUSEWIRE_OTLP_ENCODING: .*'protobuf' or 'json'.*Using the default, 'protobuf'\.$/),
    ]);
  });

  it('reads LANGFUSE_FLUSH_INTERVAL and LANGFUSE_TIMEOUT in seconds', () => {
    const o = resolveOptions({}, { LANGFUSE_FLUSH_INTERVAL: '2', LANGFUSE_TIMEOUT: '0.5' });
    expect(o.flushIntervalMs).toBe(2000);
    expect(o.timeoutMs).toBe(500);
    // An explicit option is milliseconds and wins.
    expect(resolveOptions({ flushIntervalMs: 300 }, { LANGFUSE_FLUSH_INTERVAL: '2' }).flushIntervalMs).toBe(300);
  });

  it.each([
    [{ flushAt: 0 }, 'flushAt'],
    [{ flushAt: 1.5 }, 'flushAt'],
    [{ flushIntervalMs: 1 }, 'flushIntervalMs'],
    [{ timeoutMs: 'fast' }, 'timeoutMs'],
    [{ baseUrl: 'ftp://x.example' }, 'baseUrl'],
    [{ baseUrl: 'not a url' }, 'baseUrl'],
    [{ transport: 'grpc' }, 'transport'],
    [{ otlpEncoding: 'proto' }, 'otlpEncoding'],
    [{ compression: 'brotli' }, 'compression'],
    [{ sampleRate: 2 }, 'sampleRate'],
    [{ environment: 'Production' }, 'environment'],
    [{ environment: 'QA Env' }, 'environment'],
    [{ environment: 'langfuse-prod' }, 'environment'],
    [{ environment: 'e'.repeat(41) }, 'environment'],
    [{ maxConcurrentExports: 0 }, 'maxConcurrentExports'],
    [{ maxBatchBytes: 10 }, 'maxBatchBytes'],
    [{ mask: 'yes' }, 'mask'],
    [{ logger: console.log }, 'logger'],
    [{ enabled: 'no' }, 'enabled'],
    [{ flushat: 10 }, 'flushat'],
  ])('%j: never throws, reports %s with a hint and what is used instead, and keeps the default', (options, option) => {
    const resolved = resolveOptions(options as never, {});
    expect(resolved.problems).toHaveLength(1);
    const [problem] = resolved.problems;
    expect(problem!.option).toBe(option);
    expect(problem!.hint.length).toBeGreaterThan(0);
    expect(problem!.fallback).toMatch(/^(Using|It is|Every|Logging)/);
    const defaults = resolveOptions({}, {}) as unknown as Record<string, unknown>;
    const key = option as keyof typeof defaults;
    if (option !== 'mask' && option !== 'flushat') expect((resolved as never)[key]).toEqual(defaults[key]);
  });

  it.each([
    [{ flushAt: 0 }, 'flushAt'],
    [{ environment: 'Production' }, 'environment'],
    [{ flushat: 10 }, 'flushat'],
  ])('with strict: true, %j throws FusewireConfigError naming %s', (options, option) => {
    const e = configError(() => resolveOptions({ ...options, strict: true } as never, {}));
    expect(e.option).toBe(option);
    expect(e.code).toBe('FUSEWIRE_CONFIG');
    expect(e.message).toContain(option);
    expect(e.hint.length).toBeGreaterThan(0);
  });

  it('with strict: true, a bad environment variable throws too', () => {
    const e = configError(() => resolveOptions({ strict: true }, { LANGFUSE_TRACING_ENVIRONMENT: 'Production' }));
    expect(e.option).toBe('LANGFUSE_TRACING_ENVIRONMENT');
    expect(e.hint).toContain('"production"');
  });

  it.each([
    [{ LANGFUSE_FLUSH_AT: 'many' }, 'LANGFUSE_FLUSH_AT', 'flushAt', 512],
    [{ LANGFUSE_FLUSH_AT: '0' }, 'LANGFUSE_FLUSH_AT', 'flushAt', 512],
    [{ LANGFUSE_FLUSH_AT: '0x10' }, 'LANGFUSE_FLUSH_AT', 'flushAt', 512],
    [{ LANGFUSE_FLUSH_AT: '1e3' }, 'LANGFUSE_FLUSH_AT', 'flushAt', 512],
    [{ LANGFUSE_FLUSH_AT: '12.5' }, 'LANGFUSE_FLUSH_AT', 'flushAt', 512],
    [{ LANGFUSE_TIMEOUT: '0.01' }, 'LANGFUSE_TIMEOUT', 'timeoutMs', 10_000],
    [{ LANGFUSE_SAMPLE_RATE: '3' }, 'LANGFUSE_SAMPLE_RATE', 'sampleRate', 1],
    [{ LANGFUSE_BASE_URL: 'nope' }, 'LANGFUSE_BASE_URL', 'baseUrl', DEFAULT_BASE_URL],
    [{ LANGFUSE_HOST: 'nope' }, 'LANGFUSE_HOST', 'baseUrl', DEFAULT_BASE_URL],
    [{ LANGFUSE_BASEURL: 'nope' }, 'LANGFUSE_BASEURL', 'baseUrl', DEFAULT_BASE_URL],
    [{ LANGFUSE_TRACING_ENVIRONMENT: 'Has Spaces' }, 'LANGFUSE_TRACING_ENVIRONMENT', 'environment', undefined],
  ])('env %j: reports %s, quotes what was typed, falls back (%s = %j)', (env, variable, option, fallback) => {
    const resolved = resolveOptions({}, env);
    expect(resolved.problems.map((p) => p.option)).toEqual([variable]);
    const [problem] = resolved.problems;
    expect(problem!.problem).toContain(JSON.stringify(Object.values(env)[0]));
    expect(formatProblem(problem!)).toMatch(new RegExp(`^${variable}: `));
    expect(problem!.fallback).toMatch(/^Using/);
    expect((resolved as unknown as Record<string, unknown>)[option]).toEqual(fallback);
  });

  it('LANGFUSE_FLUSH_INTERVAL=5000: says it was read as seconds, what to set for milliseconds, and the default', () => {
    const { flushIntervalMs, problems } = resolveOptions({}, { LANGFUSE_FLUSH_INTERVAL: '5000' });
    expect(flushIntervalMs).toBe(5000);
    expect(formatProblem(problems[0]!)).toBe(
      'LANGFUSE_FLUSH_INTERVAL: "5000" means 5000 seconds (this variable is in seconds), above the maximum, 3600 seconds. ' +
        'If you meant 5000 milliseconds, set LANGFUSE_FLUSH_INTERVAL=5. Using the default, 5 seconds.',
    );
  });

  it('LANGFUSE_FLUSH_INTERVAL=1000 is used (16.7 minutes) but warns that it is probably milliseconds', () => {
    const { flushIntervalMs, problems } = resolveOptions({}, { LANGFUSE_FLUSH_INTERVAL: '1000' });
    expect(flushIntervalMs).toBe(1_000_000);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.fallback).toBeUndefined();
    expect(formatProblem(problems[0]!)).toBe(
      'LANGFUSE_FLUSH_INTERVAL: "1000" means 1000 seconds (16.7 minutes): this variable is in seconds. ' +
        'If you meant 1000 milliseconds, set LANGFUSE_FLUSH_INTERVAL=1.',
    );
    expect(resolveOptions({}, { LANGFUSE_FLUSH_INTERVAL: '600' }).problems).toEqual([]);
    expect(resolveOptions({}, { LANGFUSE_FLUSH_INTERVAL: '1000' }).problems).toHaveLength(1);
  });

  it('a duration with a unit in the environment: write the number alone, in seconds', () => {
    expect(resolveOptions({}, { LANGFUSE_FLUSH_INTERVAL: '500ms' }).problems[0]!.hint).toBe(
      'Write the number alone, in seconds: LANGFUSE_FLUSH_INTERVAL=0.5.',
    );
    expect(resolveOptions({}, { LANGFUSE_TIMEOUT: '30s' }).problems[0]!.hint).toBe(
      'Write the number alone, in seconds: LANGFUSE_TIMEOUT=30.',
    );
  });

  it('code options are milliseconds: a small value says so and suggests the seconds reading', () => {
    const [problem] = resolveOptions({ flushIntervalMs: 5 }, {}).problems;
    expect(formatProblem(problem!)).toBe(
      'flushIntervalMs: 5 ms is below the minimum, 10 ms. This option is in milliseconds: if you meant 5 seconds, use 5000. ' +
        'Using the default, 5000 ms.',
    );
    expect(resolveOptions({ flushAt: '10' as never }, {}).problems[0]!.hint).toBe('Pass a number: 10.');
    expect(resolveOptions({ flushAt: 1e9 }, {}).problems[0]!.problem).toBe('1000000000 is above the maximum, 100000');
  });

  it('an unknown option suggests the known one it resembles', () => {
    expect(resolveOptions({ flushat: 10 } as never, {}).problems[0]!.hint).toBe('Did you mean `flushAt`?');
  });

  it('a mask that is not a function withholds every field instead of sending them unmasked', () => {
    const { mask } = resolveOptions({ mask: 'yes' as never }, {});
    expect(mask?.('secret data', { field: 'input', kind: 'span' })).toMatch(/withheld/);
  });

  it('flags a secret key in the public key variable, and the reverse, without showing either', () => {
    const swapped = resolveOptions({}, { LANGFUSE_PUBLIC_KEY: 'sk-lf-abcdef123', LANGFUSE_SECRET_KEY: 'pk-lf-1234' });
    expect(swapped.problems.map((p) => p.option)).toEqual(['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY']);
    expect(swapped.problems[0]!.problem).toContain('holds a secret key');
    expect(swapped.problems[1]!.problem).toContain('holds a public key');
    const text = swapped.problems.map(formatProblem).join(' ');
    expect(text).not.toContain('abcdef123');
    expect(text).not.toContain('1234');
    expect(resolveOptions({ publicKey: 'sk-lf-x' }, {}).problems[0]!.option).toBe('publicKey');
  });

  it('never echoes a key in a problem or an error', () => {
    const [problem] = resolveOptions({ secretKey: 42 as never }, {}).problems;
    expect(problem!.option).toBe('secretKey');
    expect(formatProblem(problem!)).not.toContain('42');
    const e = configError(() => resolveOptions({ secretKey: 42 as never, strict: true }, {}));
    expect(e.message).not.toContain('42');
    const leaked = resolveOptions({ secretKey: 'sk-lf-zzzz', baseUrl: 'sk-lf-zzzz' }, {}).problems;
    expect(formatProblem(leaked[0]!)).not.toContain('zzzz');
  });

  it('a non-object is reported and the defaults apply', () => {
    const resolved = resolveOptions('x' as never, {});
    expect(resolved.problems[0]!.option).toBe('options');
    expect(resolved.flushAt).toBe(512);
  });
});

describe('createFusewire without keys', () => {
  afterEach(async () => {
    vi.unstubAllEnvs();
    await getFusewire()?.shutdown(100);
  });

  it('warns once, runs disabled, and publishing stays harmless', async () => {
    vi.stubEnv('LANGFUSE_PUBLIC_KEY', '');
    vi.stubEnv('LANGFUSE_SECRET_KEY', '');
    const logger = captureLogger();
    const client = createFusewire({ logger, publicKey: 'pk-lf-only' });
    expect(client.enabled).toBe(false);
    expect(getFusewire()).toBe(client);
    const warnings = logger.withCode('FUSEWIRE_DISABLED');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('LANGFUSE_SECRET_KEY');
    expect(warnings[0]!.msg).not.toContain('LANGFUSE_PUBLIC_KEY');
    expect(warnings[0]!.msg).toContain('LANGFUSE_SECRET_KEY is not set. Set it (or pass secretKey)');
    expect(() => dc.channel('langfuse.span').publish({ name: 'x' })).not.toThrow();
    expect((await client.flush()).enqueued).toBe(0);
    expect(client.stats().enqueued).toBe(0);
    expect(client.deadLetters()).toEqual([]);
    expect((await client.shutdown()).delivered).toBe(0);
    expect(logger.lines).toHaveLength(1);
  });

  it('is disabled with enabled: false, keys or not, and says nothing', () => {
    const logger = captureLogger();
    const client = createFusewire({ enabled: false, logger, publicKey: 'pk', secretKey: 'sk-lf-x' });
    expect(client.enabled).toBe(false);
    expect(logger.lines).toHaveLength(0);
  });

  it('with strict: true, throws FusewireConfigError at construction for bad options', () => {
    expect(() => createFusewire({ flushAt: -1, strict: true })).toThrow(FusewireConfigError);
  });

  it('a bad environment variable does not take the app down: one warning, the default, traces still sent', async () => {
    vi.stubEnv('LANGFUSE_TRACING_ENVIRONMENT', 'Production');
    const logger = captureLogger();
    const client = createFusewire({ logger, publicKey: 'pk-lf-1', secretKey: 'sk-lf-x', flushOnExit: false });
    expect(client.enabled).toBe(true);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn',
      obj: { code: 'FUSEWIRE_CONFIG', option: 'LANGFUSE_TRACING_ENVIRONMENT' },
      msg: 'LANGFUSE_TRACING_ENVIRONMENT: "Production" is not accepted. Use lowercase: "production". Using none (Langfuse shows "default").',
    });
    await client.shutdown(100);
  });

  it('says "it" for one missing key and "them" for two', () => {
    vi.stubEnv('LANGFUSE_PUBLIC_KEY', '');
    vi.stubEnv('LANGFUSE_SECRET_KEY', '');
    const logger = captureLogger();
    createFusewire({ logger });
    expect(logger.lines[0]!.msg).toContain(
      'LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are not set. Set them (or pass publicKey and secretKey)',
    );
  });

  it('warns about plain http to a non-loopback host', async () => {
    const logger = captureLogger();
    const client = createFusewire({
      logger,
      publicKey: 'pk',
      secretKey: 'sk-lf-x',
      baseUrl: 'http://langfuse.internal.example',
      flushOnExit: false,
    });
    expect(client.enabled).toBe(true);
    expect(logger.withCode('FUSEWIRE_INSECURE_URL')).toHaveLength(1);
    await client.shutdown(100);
  });
});
