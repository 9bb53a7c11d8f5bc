import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export interface ProcessError {
  kind: 'uncaughtException' | 'unhandledRejection';
  error: unknown;
}

/**
 * Records every `uncaughtException` / `unhandledRejection` in this test file's process and
 * fails the test during which one fired. Vitest also fails a run on unhandled errors; this
 * names the test and keeps the list for assertions inside a test (`guard.errors`).
 */
export function installProcessGuards(): { readonly errors: ProcessError[] } {
  const errors: ProcessError[] = [];
  const onUncaught = (error: unknown) => errors.push({ kind: 'uncaughtException', error });
  const onUnhandled = (error: unknown) => errors.push({ kind: 'unhandledRejection', error });
  beforeAll(() => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // Let a rejection from the last tick surface before judging.
    await new Promise((resolve) => setImmediate(resolve));
    const seen = errors.splice(0).map((e) => `${e.kind}: ${describe(e.error)}`);
    expect(seen, 'uncaughtException/unhandledRejection fired during this test').toEqual([]);
  });
  return { errors };
}

export function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return '(unprintable)';
  }
}
