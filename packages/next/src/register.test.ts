import { createFusewire, getFusewire } from '@fusewire/core';
import { startLangfuseServer } from '@fusewire/test-server';
import { describe, expect, it, vi } from 'vitest';
import { register } from './register.js';

describe('register', () => {
  it('without keys: warns and returns a disabled client (the app runs unchanged)', () => {
    vi.stubEnv('LANGFUSE_PUBLIC_KEY', '');
    vi.stubEnv('LANGFUSE_SECRET_KEY', '');
    delete process.env.LANGFUSE_PUBLIC_KEY;
    delete process.env.LANGFUSE_SECRET_KEY;
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const first = register({ logger });
    expect(first.enabled).toBe(false);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'FUSEWIRE_DISABLED' }),
      expect.any(String),
    );
    vi.unstubAllEnvs();
  });

  it('starts the process-wide client, idempotently, and withTracing finds it', async () => {
    const server = await startLangfuseServer();
    try {
      const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
      const options = { baseUrl: server.url, publicKey: server.publicKey, secretKey: server.secretKey, logger };
      const client = register(options);
      expect(client.enabled).toBe(true);
      expect(getFusewire()).toBe(client);
      expect(register(options)).toBe(client);
      expect(createFusewire(options)).toBe(client); // one pipeline per process
      // Options given again are ignored, said once (to the caller's logger, not the test output).
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'FUSEWIRE_CONFIG' }),
        expect.stringContaining('already running'),
      );
      await client.shutdown(1_000);
    } finally {
      await server.close();
    }
  });

  it('reports unusable options and keeps running, like createFusewire; strict: true throws', async () => {
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const client = register({ publicKey: 'pk', secretKey: 'sk', flushIntervalMs: -5, logger, flushOnExit: false });
    expect(client.enabled).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'FUSEWIRE_CONFIG', option: 'flushIntervalMs' }),
      expect.stringContaining('Using the default'),
    );
    await client.shutdown(100);
    expect(() => register({ publicKey: 'pk', secretKey: 'sk', flushIntervalMs: -5, strict: true })).toThrow(
      /flushIntervalMs/,
    );
  });
});
