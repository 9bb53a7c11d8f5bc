import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FusewireConfigError } from '@fusewire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteSpool } from './sqlite-spool-factory.js';
import { SpoolOpenError } from './open-spool.js';
import { captureLog, openSpool, span, tempDir } from './test-support.js';

const dirs: Array<{ cleanup(): void }> = [];
function dir() {
  const t = tempDir();
  dirs.push(t);
  return t;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
  delete process.env.FUSEWIRE_SPOOL_PATH;
});

describe('opening the spool', () => {
  it('a path that cannot be opened throws one clear error naming the path and the cause', () => {
    const { dir: d } = dir();
    writeFileSync(join(d, 'a-file'), 'not a folder');
    const path = join(d, 'a-file', 'spool.db');
    let error: unknown;
    try {
      openSpool({ path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpoolOpenError);
    expect((error as SpoolOpenError).code).toBe('FUSEWIRE_SPOOL_OPEN_FAILED');
    expect((error as SpoolOpenError).path).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/EEXIST|ENOTDIR/);
  });

  it('a folder given as the file is a clear error too', () => {
    const { dir: d } = dir();
    expect(() => openSpool({ path: d })).toThrow(new RegExp(`cannot open the fusewire spool at ${d}: .+`));
  });

  it('with onOpenError "memory" it runs in memory and warns once', async () => {
    const { dir: d } = dir();
    writeFileSync(join(d, 'a-file'), 'x');
    const log = captureLog();
    const spool = openSpool({ path: join(d, 'a-file', 'spool.db'), onOpenError: 'memory', logger: log });
    expect(spool.durable).toBe(false);
    spool.append([span(), span()]);
    expect(spool.claim(10, 1e9)).toHaveLength(2);
    expect(spool.stats()).toMatchObject({ healthy: false, durable: false, inMemory: 2 });
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(log.lines[0]!.msg).toContain('a-file');
    await spool.close();
  });

  it('creates the folder, and takes its path from FUSEWIRE_SPOOL_PATH', async () => {
    const { dir: d } = dir();
    process.env.FUSEWIRE_SPOOL_PATH = join(d, 'nested', 'deeper', 'spool.db');
    const spool = sqliteSpool({ logger: captureLog() });
    spool.append([span()]);
    expect(existsSync(process.env.FUSEWIRE_SPOOL_PATH)).toBe(true);
    await spool.close();
  });

  it('without a path it is a config error', () => {
    expect(() => sqliteSpool()).toThrow(FusewireConfigError);
    expect(() => sqliteSpool({ path: 'x.db', maxBytes: -1 })).toThrow(/spool.maxBytes/);
    expect(() => sqliteSpool({ path: 'x.db', synchronous: 'OFF' as 'FULL' })).toThrow(/spool.synchronous/);
  });

  it('a file that is not a database is moved aside, logged, and a new spool started', async () => {
    const { dir: d, path } = dir();
    writeFileSync(path, Buffer.alloc(8192, 7));
    const log = captureLog();
    const spool = openSpool({ path, logger: log });
    expect(spool.durable).toBe(true);
    spool.append([span()]);
    expect(spool.claim(10, 1e9)).toHaveLength(1);
    const aside = readdirSync(d).filter((f) => f.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(log.lines.find((l) => l.obj.code === 'FUSEWIRE_SPOOL_CORRUPT')?.msg).toContain(aside[0]);
    await spool.close();
  });

  it('FULL synchronous mode is applied', async () => {
    const { path } = dir();
    const spool = openSpool({ path, synchronous: 'FULL' });
    const { databaseOf } = await import('./sqlite-spool.js');
    expect(databaseOf(spool)!.pragma('synchronous', { simple: true })).toBe(2);
    await spool.close();
    const normal = openSpool({ path });
    expect(databaseOf(normal)!.pragma('synchronous', { simple: true })).toBe(1);
    expect(databaseOf(normal)!.pragma('journal_mode', { simple: true })).toBe('wal');
    await normal.close();
  });
});
