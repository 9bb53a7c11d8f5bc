// Spawning the real CLI and test apps as child processes (tests only).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LangfuseTestServer } from '@fusewire/test-server';

const built = (name: string) =>
  fileURLToPath(new URL(`../node_modules/.cache/fusewire-bullmq-test/${name}.js`, import.meta.url));
export const CLI = built('cli');
export const APP_CHILD = built('app-child');

export interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves when stderr has printed something matching `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Writes a line to the child's stdin. */
  say(line: string): void;
}

export function startChild(script: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForStderr(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = err.match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`child never printed ${pattern}; stderr:\n${err}\nstdout:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    say(line) {
      child.stdin!.write(`${line}\n`);
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A `fusewire-worker` process on `queue`, sending to the test server. */
export function startWorkerProcess(
  server: LangfuseTestServer,
  env: { REDIS_URL: string; FUSEWIRE_QUEUE: string } & Record<string, string>,
  args: string[] = [],
): Child {
  return startChild(CLI, args, {
    LANGFUSE_BASE_URL: server.url,
    LANGFUSE_PUBLIC_KEY: server.publicKey,
    LANGFUSE_SECRET_KEY: server.secretKey,
    ...env,
  });
}

/** Runs a CLI command to the end and returns its output. */
export async function runCli(args: string[], env: Record<string, string>) {
  const child = startChild(CLI, args, env);
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}
