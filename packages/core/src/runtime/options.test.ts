import dc from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFusewire, getFusewire } from '../api/client.js';
import { FusewireConfigError } from './errors.js';
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
    [{ sampleRate: 2 }, 'sampleRate'],
    [{ environment: 'Production' }, 'environment'],
    [{ maxConcurrentExports: 0 }, 'maxConcurrentExports'],
    [{ maxBatchBytes: 10 }, 'maxBatchBytes'],
    [{ mask: 'yes' }, 'mask'],
    [{ logger: console.log }, 'logger'],
    [{ enabled: 'no' }, 'enabled'],
    [{ flushat: 10 }, 'flushat'],
  ])('rejects %j naming %s', (options, option) => {
    const e = configError(() => resolveOptions(options as never, {}));
    expect(e.option).toBe(option);
    expect(e.code).toBe('FUSEWIRE_CONFIG');
    expect(e.message).toContain(option);
    expect(e.hint.length).toBeGreaterThan(0);
  });

  it.each([
    [{ LANGFUSE_FLUSH_AT: 'many' }, 'LANGFUSE_FLUSH_AT'],
    [{ LANGFUSE_FLUSH_AT: '0' }, 'LANGFUSE_FLUSH_AT'],
    [{ LANGFUSE_TIMEOUT: '0.01' }, 'LANGFUSE_TIMEOUT'],
    [{ LANGFUSE_SAMPLE_RATE: '3' }, 'LANGFUSE_SAMPLE_RATE'],
    [{ LANGFUSE_BASE_URL: 'nope' }, 'LANGFUSE_BASE_URL'],
    [{ LANGFUSE_HOST: 'nope' }, 'LANGFUSE_HOST'],
    [{ LANGFUSE_BASEURL: 'nope' }, 'LANGFUSE_BASEURL'],
    [{ LANGFUSE_TRACING_ENVIRONMENT: 'Has Spaces' }, 'LANGFUSE_TRACING_ENVIRONMENT'],
  ])('rejects env %j naming the variable', (env, variable) => {
    expect(configError(() => resolveOptions({}, env)).option).toBe(variable);
  });

  it('never echoes a key in the error', () => {
    const e = configError(() => resolveOptions({ secretKey: 42 as never }, {}));
    expect(e.option).toBe('secretKey');
    expect(e.message).not.toContain('42');
  });

  it('rejects a non-object', () => {
    expect(configError(() => resolveOptions('x' as never, {})).option).toBe('options');
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

  it('throws FusewireConfigError at construction for bad options', () => {
    expect(() => createFusewire({ flushAt: -1 })).toThrow(FusewireConfigError);
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
