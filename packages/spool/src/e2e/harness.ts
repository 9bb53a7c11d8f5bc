import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import { afterAll, afterEach, beforeAll } from 'vitest';

const APP = fileURLToPath(new URL('./spool-app.mjs', import.meta.url));

export interface AppSnapshot {
  stats: {
    enqueued: number;
    delivered: number;
    pending: number;
    dropped: Record<string, number>;
    queue: { size: number; bytes: number };
  };
  spool: {
    waiting: number;
    healthy: boolean;
    error?: string;
    inMemory: number;
    settledUnwritten: number;
    faults: Record<string, number>;
    refusedFull: number;
  };
  health: { status: string; reasons: string[]; store?: { healthy: boolean; error?: string } };
  accepted: number;
  acceptedIds: string[];
  refused: number;
  warnings: Array<{ level: string; msg: string; code?: string }>;
}

export interface App {
  child: ChildProcess;
  pid: number;
  tracePrefix: string;
  spanPrefix: string;
  publish(from: number, count: number): Promise<AppSnapshot>;
  stats(): Promise<AppSnapshot>;
  shutdown(timeoutMs?: number): Promise<AppSnapshot>;
  /** SIGKILL, and wait until the process is gone (reaped). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface AppConfig {
  path: string;
  spool?: Record<string, unknown>;
  client?: Record<string, unknown>;
  inputBytes?: number;
  env?: Record<string, string>;
}

/** Ids per app: 24 + 8 hex trace ids and 8 + 8 hex span ids, so the server tells apps apart. */
export function idPrefixes(): { tracePrefix: string; spanPrefix: string } {
  return { tracePrefix: randomBytes(12).toString('hex'), spanPrefix: randomBytes(4).toString('hex') };
}

export async function startApp(server: LangfuseTestServer, config: AppConfig, prefixes = idPrefixes()): Promise<App> {
  const { env, ...rest } = config;
  const child = fork(APP, [], {
    env: {
      ...process.env,
      ...env,
      SPOOL_APP_CONFIG: JSON.stringify({
        ...rest,
        ...prefixes,
        baseUrl: server.url,
        publicKey: server.publicKey,
        secretKey: server.secretKey,
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let next = 0;
  const waiting = new Map<number, (m: AppSnapshot) => void>();
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; pid?: number; id?: number } & AppSnapshot) => {
      if (m.ready) resolve(m.pid!);
      else if (m.id !== undefined) waiting.get(m.id)?.(m);
    });
    void exited.then((code) => reject(new Error(`spool app exited with ${code} before it was ready`)));
  });
  const ask = (cmd: Record<string, unknown>) =>
    new Promise<AppSnapshot>((resolve, reject) => {
      const id = next++;
      waiting.set(id, resolve);
      void exited.then((code) => reject(new Error(`spool app exited with ${code} during ${String(cmd.cmd)}`)));
      child.send({ ...cmd, id });
    });
  const pid = await ready;
  return {
    child,
    pid,
    ...prefixes,
    exited,
    publish: (from, count) => ask({ cmd: 'publish', from, count }),
    stats: () => ask({ cmd: 'stats' }),
    shutdown: (timeoutMs) => ask({ cmd: 'shutdown', timeoutMs }),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Span ids the server accepted with this prefix, and how many times each. */
export function spansOf(server: LangfuseTestServer, spanPrefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, n] of server.received.spanIds()) if (id.startsWith(spanPrefix)) out.set(id, n);
  return out;
}

/**
 * One test server for the file, and what each test started (apps, temp dirs) torn down after it: the
 * server is reset and back up for the next test. `server` is there from `beforeAll` on.
 */
export function spoolE2e(options: { keepBodies: boolean }): {
  readonly server: LangfuseTestServer;
  apps: App[];
  dirs: Array<{ cleanup(): void }>;
} {
  let server: LangfuseTestServer | undefined;
  const world = {
    get server(): LangfuseTestServer {
      if (server === undefined) throw new Error('spoolE2e: the server starts in beforeAll');
      return server;
    },
    apps: [] as App[],
    dirs: [] as Array<{ cleanup(): void }>,
  };
  beforeAll(async () => {
    server = await startLangfuseServer(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    for (const app of world.apps.splice(0)) await app.kill().catch(() => {});
    for (const d of world.dirs.splice(0)) d.cleanup();
    world.server.reset();
    await world.server.restart().catch(() => {});
  });
  return world;
}
