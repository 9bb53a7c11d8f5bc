import {
  type ActiveObservation,
  type ObservationAttributes,
  type ObservationType,
  startObservation,
} from '@fusewire/core';

/**
 * One recorded SDK call: an observation that ends exactly once, whichever of success, failure,
 * stream end or cancellation comes first. Every method is guarded: a mapping bug in an
 * integration is never the app's problem.
 */
export interface GenerationRun {
  readonly observation: ActiveObservation;
  /** Applies what the response says (output, usage, model) and ends. */
  succeed(attributes: () => ObservationAttributes): void;
  /** Records the SDK's error (level ERROR, its message) and ends. The caller still gets the error. */
  fail(error: unknown, attributes?: () => ObservationAttributes): void;
  /** Marks the first streamed chunk (completion start time). */
  firstChunk(): void;
}

const describe = (error: unknown): string => {
  if (error instanceof Error) return error.message || error.name;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
};

/** Starts an observation of `type` under the current context. */
export function startGeneration(type: ObservationType, attributes: ObservationAttributes): GenerationRun {
  const observation = startObservation(type, attributes);
  let ended = false;
  const end = (apply: () => ObservationAttributes | undefined) => {
    if (ended) return;
    ended = true;
    let extra: ObservationAttributes | undefined;
    try {
      extra = apply();
    } catch (error) {
      extra = { level: 'WARNING', statusMessage: `fusewire could not read the response: ${describe(error)}` };
    }
    try {
      observation.end(extra);
    } catch {
      // The observation API does not throw; this is the last line of defence.
    }
  };
  return {
    observation,
    succeed: (attributes) => end(attributes),
    fail: (error, attributes) => end(() => ({ ...attributes?.(), level: 'ERROR', statusMessage: describe(error) })),
    firstChunk: () => {
      try {
        observation.markFirstChunk();
      } catch {
        // Never the app's problem.
      }
    },
  };
}
