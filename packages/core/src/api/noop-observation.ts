import { type ActiveObservation, OBSERVATION_FIELDS } from './observation-types.js';

function ignore(): void {}

/**
 * What `instrument()` hands the function when fusewire is not running: assignments are
 * accepted and forgotten (one shared object, so it must not keep what it is given). Not
 * frozen: assigning an unknown field must not throw in strict-mode code.
 */
class NoopObservation {
  get id(): string {
    return '';
  }
  get traceId(): string {
    return '';
  }
  update = ignore;
  updateTrace = ignore;
  markFirstChunk = ignore;
  recordError = ignore;
  end = ignore;
  run<T>(fn: () => T): T {
    return fn();
  }
}

// Every Langfuse field reads undefined and swallows what is assigned.
for (const field of OBSERVATION_FIELDS) {
  Object.defineProperty(NoopObservation.prototype, field, { get: ignore, set: ignore, configurable: true });
}

/** The shared no-op observation. */
export const NOOP_OBSERVATION: ActiveObservation = new NoopObservation() as unknown as ActiveObservation;
