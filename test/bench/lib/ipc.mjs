// Process plumbing. The runner forks one child per (scenario × client) and one for the server;
// children reach the server through the runner (`server(cmd, args)`), so no child shares a heap.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_CHILD = fileURLToPath(new URL('./server-child.mjs', import.meta.url));
const STDERR_KEEP = 8_000;

function tail(chunks) {
  const text = chunks.join('');
  return text.length > STDERR_KEEP ? `…${text.slice(-STDERR_KEEP)}` : text;
}

/**
 * Runner side: starts the server child (or another child that speaks its protocol, e.g. the Express
 * scenario's byte-counting sink). `call(cmd, args)` runs a server command.
 */
export async function forkServer(file = SERVER_CHILD) {
  const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  const info = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server child exited early (${code})`)));
    child.on('message', function onReady(msg) {
      if (msg?.type !== 'ready') return;
      child.off('message', onReady);
      resolve(msg.value);
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', (code) => {
    for (const { reject } of pending.values()) reject(new Error(`server child exited (${code})`));
    pending.clear();
  });
  child.on('message', (msg) => {
    if (msg?.type !== 'server-reply') return;
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.value);
    else waiter.reject(new Error(msg.error));
  });
  const call = (cmd, args = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      child.send({ type: 'server', id, cmd, args });
    });
  return {
    info,
    pid: child.pid,
    call,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => {});
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Runner side: forks `file` with `params` (JSON in BENCH_PARAMS) and resolves with
 * `{ ok, result, error, stderr }` — never rejects, so one crashing scenario does not stop the run.
 */
export function runChild(file, { params = {}, server, timeoutMs = 300_000, execArgv = [], onMessage, onSpawn } = {}) {
  return new Promise((resolve) => {
    const child = fork(file, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, BENCH_PARAMS: JSON.stringify({ ...params, server: server?.info }) },
      execArgv,
    });
    onSpawn?.(child);
    const stderr = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr.push(d);
      if (stderr.length > 200) stderr.splice(0, 100);
    });
    let result;
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, stderr: tail(stderr) });
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, error: `timed out after ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    child.on('message', async (msg) => {
      if (msg?.type === 'result') {
        result = msg.result;
        return;
      }
      if (msg?.type === 'server') {
        try {
          const value = await server.call(msg.cmd, msg.args);
          child.send({ type: 'server-reply', id: msg.id, ok: true, value });
        } catch (error) {
          child.send({ type: 'server-reply', id: msg.id, ok: false, error: String(error?.message ?? error) });
        }
        return;
      }
      if (onMessage) {
        const reply = await onMessage(msg, child);
        if (reply !== undefined && msg?.id !== undefined) child.send({ type: 'reply', id: msg.id, value: reply });
      }
    });
    child.on('error', (error) => finish({ ok: false, error: String(error) }));
    child.on('exit', (code, signal) => {
      if (result !== undefined && code === 0) finish({ ok: true, result });
      else
        finish({
          ok: false,
          result,
          error:
            result === undefined ? `exited with ${signal ?? code} before reporting` : `exited with ${signal ?? code}`,
        });
    });
  });
}

// ---- child side ----

/** Parameters the runner passed to this child (`server` holds url and keys). */
export const params = process.env.BENCH_PARAMS ? JSON.parse(process.env.BENCH_PARAMS) : {};

const waiting = new Map();
let nextCall = 0;
if (process.send) {
  process.on('message', (msg) => {
    if (msg?.type !== 'server-reply' && msg?.type !== 'reply') return;
    const waiter = waiting.get(msg.id);
    if (!waiter) return;
    waiting.delete(msg.id);
    if (msg.ok === false) waiter.reject(new Error(msg.error));
    else waiter.resolve(msg.value);
  });
  // Replies arrive over IPC; the channel must not keep a finished child alive by itself.
  process.channel?.unref();
}

function ask(msg) {
  return new Promise((resolve, reject) => {
    const id = ++nextCall;
    waiting.set(id, { resolve, reject });
    process.channel?.ref();
    process.send({ ...msg, id });
  }).finally(() => {
    if (waiting.size === 0) process.channel?.unref();
  });
}

/** Child side: runs a command on the server child (via the runner). */
export const server = (cmd, args = {}) => ask({ type: 'server', cmd, args });

/** Child side: asks the runner something (scenario-specific), resolving with its reply. */
export const askRunner = (payload) => ask({ type: 'ask', ...payload });

/** Child side: reports the result and exits 0 once it is delivered. */
export function report(result) {
  process.send({ type: 'result', result }, () => process.exit(0));
}

/** Child side: wraps a scenario's main so any failure exits non-zero with the stack on stderr. */
export async function main(fn) {
  try {
    report(await fn());
  } catch (error) {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  }
}
