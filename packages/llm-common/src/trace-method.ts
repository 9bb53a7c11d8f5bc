import type { ObservationAttributes, ObservationType } from '@fusewire/core';
import { type GenerationRun, startGeneration } from './generation-run.js';
import { isTracing } from './is-tracing.js';
import { type ChunkObserver, observeStream } from './observe-stream.js';
import { watchResult } from './watch-result.js';

/** How one SDK method maps to an observation. */
export interface MethodSpec<Params> {
  type: ObservationType;
  /** Read at the call: name, input, model, model parameters. */
  start(params: Params): ObservationAttributes;
  /** True when this call returns a stream. */
  streams(params: Params): boolean;
  /** Read from a whole response: output, usage, model. */
  response(value: unknown): ObservationAttributes;
  /** Builds the observer that assembles a streamed response; it ends `run` itself. */
  stream(run: GenerationRun): ChunkObserver<unknown>;
}

const TRACED = Symbol.for('fusewire.llm.traced');

/**
 * Replaces `owner[key]` (an SDK resource method) with a recorded version, on this object only.
 * Idempotent. The SDK's own return value (its promise subclass) and errors reach the caller
 * unchanged; with no running fusewire client a call costs one flag check.
 */
export function traceMethod<Params>(owner: object | undefined, key: string, spec: MethodSpec<Params>): void {
  if (owner === undefined || owner === null) return;
  const target = owner as Record<string | symbol, unknown>;
  const original = target[key];
  if (typeof original !== 'function' || (original as unknown as Record<symbol, unknown>)[TRACED] === true) return;
  const traced = function (this: unknown, params: Params, ...rest: unknown[]) {
    if (!isTracing()) return original.call(this, params, ...rest);
    let run: GenerationRun | undefined;
    let streaming = false;
    try {
      streaming = spec.streams(params);
      run = startGeneration(spec.type, spec.start(params));
    } catch {
      run = undefined;
    }
    if (run === undefined) return original.call(this, params, ...rest);
    let result: unknown;
    try {
      result = original.call(this, params, ...rest);
    } catch (error) {
      run.fail(error);
      throw error;
    }
    const active = run;
    if (typeof result !== 'object' || result === null) {
      active.succeed(() => ({}));
      return result;
    }
    return watchResult(
      result,
      (value) => {
        if (streaming && typeof value === 'object' && value !== null) observeStream(value, spec.stream(active));
        else active.succeed(() => spec.response(value));
      },
      (error) => active.fail(error),
    );
  };
  Object.defineProperty(traced, TRACED, { value: true });
  Object.defineProperty(traced, 'name', { value: (original as { name: string }).name });
  target[key] = traced;
}
