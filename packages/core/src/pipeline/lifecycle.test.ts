import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LogSink } from '../runtime/logger.js';
import { captureLogger } from '../test-helpers.js';
import { Lifecycle, type LifecycleTarget, type ProcessHooks } from './lifecycle.js';
import { emptyStats } from './stats.js';

class FakeProcess extends EventEmitter {
  readonly pid = 4242;
  exitCode: number | undefined;
  readonly killed: string[] = [];
  readonly exits: number[] = [];
  stderrText = '';
  readonly stderr = { write: (text: string) => (this.stderrText += text) };
  kill(_pid: number, signal: string): true {
    this.killed.push(signal);
    return true;
  }
  exit(code: number): never {
    this.exits.push(code);
    return undefined as never;
  }
}

function setup(options: { pending?: number } = {}) {
  const proc = new FakeProcess();
  const logger = captureLogger();
  const calls: string[] = [];
  let release: () => void = () => {};
  const target: LifecycleTarget = {
    pending: () => options.pending ?? 3,
    flush: async (t) => {
      calls.push(`flush ${t}`);
      return emptyStats();
    },
    shutdown: (t) => {
      calls.push(`shutdown ${t}`);
      return new Promise((resolve) => {
        release = () => resolve(emptyStats());
      });
    },
  };
  const lifecycle = new Lifecycle(target, {
    log: new LogSink(logger, []),
    flushOnExit: true,
    timeoutMs: 1_000,
    signalDeadlineMs: 5_000,
    crashDeadlineMs: 2_000,
    process: proc as unknown as ProcessHooks,
  });
  lifecycle.install();
  return { proc, logger, calls, lifecycle, finishShutdown: () => release() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('exit paths (#12 item 11)', () => {
  it('SIGTERM with no handler of the app: logs, sends what it can, then re-raises the signal', async () => {
    const { proc, logger, calls, finishShutdown } = setup();
    proc.emit('SIGTERM');
    expect(calls).toEqual(['shutdown 5000']);
    expect(logger.text()).toMatch(/SIGTERM and no handler for it/);
    expect(proc.killed).toEqual([]);
    finishShutdown();
    await settle();
    expect(proc.killed).toEqual(['SIGTERM']);
    // Our listener is gone, so the re-raised signal ends the process as Node's default would.
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('SIGTERM when the app has its own handler: leaves the exit to the app', () => {
    const { proc, calls } = setup();
    proc.on('SIGTERM', () => {});
    proc.emit('SIGTERM');
    expect(calls).toEqual([]);
    expect(proc.killed).toEqual([]);
  });

  it('an uncaught exception nobody handles: prints it, sends what it can, exits with code 1', async () => {
    const { proc, calls, finishShutdown } = setup();
    proc.emit('uncaughtException', new Error('boom'), 'uncaughtException');
    expect(proc.stderrText).toMatch(/Uncaught Error: boom/);
    expect(calls).toEqual(['shutdown 2000']);
    expect(proc.exitCode).toBe(1);
    finishShutdown();
    await settle();
    expect(proc.exits).toEqual([1]);
  });

  it('an uncaught exception the app handles: fusewire stays out of it', () => {
    const { proc, calls } = setup();
    proc.on('uncaughtException', () => {});
    proc.emit('uncaughtException', new Error('handled'), 'uncaughtException');
    expect(calls).toEqual([]);
    expect(proc.exits).toEqual([]);
  });

  it('beforeExit flushes only while that makes progress; exit warns about what is unsent', () => {
    const { proc, logger, calls } = setup({ pending: 7 });
    proc.emit('beforeExit');
    proc.emit('beforeExit');
    expect(calls).toEqual(['flush 1000']);
    proc.emit('exit');
    expect(logger.withCode('FUSEWIRE_SHUTDOWN_TIMEOUT')[0]?.msg).toMatch(/7 events unsent/);
  });

  it('after shutdown no hook is left behind', () => {
    const { proc, lifecycle } = setup();
    lifecycle.uninstall();
    for (const event of ['exit', 'beforeExit', 'SIGTERM', 'uncaughtException'])
      expect(proc.listenerCount(event)).toBe(0);
  });
});
