// A test-owned redis-server on its own port, to stop, restart and starve (tests only, not exported).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One RESP command over a fresh socket; resolves with the raw reply or rejects on error/timeout. */
export function redisCommand(port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply.trim());
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

export interface RedisHarness {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: Redis vanishes as in a crash (no save, connections reset). */
  stop(): Promise<void>;
  /** Every write now fails with OOM (maxmemory 1 byte, noeviction); `relieve()` undoes it. */
  starve(): Promise<void>;
  relieve(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port above 20000. `persistent`: an append-only file fsynced on every
 * write (as BullMQ wants in production), so a SIGKILLed Redis comes back with every acknowledged job.
 */
export async function startRedisHarness(options: { persistent?: boolean } = {}): Promise<RedisHarness> {
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fusewire-redis-'));
  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const waitUntil = async (up: boolean) => {
    for (let i = 0; i < 200; i++) {
      const answered = await redisCommand(port, ['PING'], 200).then(
        (r) => r === '+PONG',
        () => false,
      );
      if (answered === up) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server on ${port} did not come ${up ? 'up' : 'down'}`);
  };
  const harness: RedisHarness = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...persistence];
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitUntil(true);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await exited;
      await waitUntil(false);
    },
    async starve() {
      await redisCommand(port, ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await redisCommand(port, ['CONFIG', 'SET', 'maxmemory', '1']);
    },
    async relieve() {
      await redisCommand(port, ['CONFIG', 'SET', 'maxmemory', '0']);
    },
    async close() {
      await harness.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await harness.start();
  return harness;
}
