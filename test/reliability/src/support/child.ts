import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface Child {
  readonly proc: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first stdout line starting with `prefix` (the rest of the line). */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderrText(): string;
}

const running = new Set<Child>();

/** Runs `node fixtures/<name>` with `env` added; every child is tracked for {@link killChildren}. */
export function startChild(name: string, env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn(process.execPath, [...args, FIXTURES + name], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (rest: string) => void }> = [];
  let partial = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      stdout.push(l);
      for (const w of [...waiters]) {
        if (l.startsWith(w.prefix)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l.slice(w.prefix.length).trim());
        }
      }
    }
  });
  let errPartial = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errPartial += chunk;
    const lines = errPartial.split('\n');
    errPartial = lines.pop()!;
    stderr.push(...lines);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    proc.on('exit', (code, signal) => {
      if (partial) stdout.push(partial);
      if (errPartial) stderr.push(errPartial);
      resolve({ code, signal, at: Date.now() });
    });
  });
  const child: Child = {
    proc,
    stdout,
    stderr,
    exited,
    line(prefix, timeoutMs = 20_000) {
      const seen = stdout.find((l) => l.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen.slice(prefix.length).trim());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no "${prefix}" line from ${name} within ${timeoutMs} ms; stderr:\n${stderr.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (rest) => {
            clearTimeout(timer);
            resolve(rest);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited before printing "${prefix}"; stderr:\n${stderr.join('\n')}`));
        });
      });
    },
    stderrText: () => stderr.join('\n'),
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

/** Kills every child still running (by its own pid). For afterEach. */
export async function killChildren(): Promise<void> {
  const left = [...running];
  for (const c of left) c.proc.kill('SIGKILL');
  await Promise.all(left.map((c) => c.exited));
}
