import type { Level } from '../model/schemas.js';
import type { TraceAttributes } from './trace-scope.js';

export type { TraceAttributes } from './trace-scope.js';

/** A value Langfuse takes as a time: a `Date`, epoch milliseconds or an ISO 8601 string. */
export type TimeValue = Date | number | string;

/**
 * The Langfuse fields an observation carries, in the order they are sent. The observation,
 * its update, and the no-op observation are all derived from this one list.
 */
export const OBSERVATION_FIELDS = [
  'name',
  'input',
  'output',
  'metadata',
  'level',
  'statusMessage',
  'version',
  'environment',
  'model',
  'modelParameters',
  'usageDetails',
  'costDetails',
  'completionStartTime',
  'promptName',
  'promptVersion',
] as const;

/** One of {@link OBSERVATION_FIELDS}. */
export type ObservationField = (typeof OBSERVATION_FIELDS)[number];

/** The Langfuse fields of an observation, by name. */
export interface ObservationFields {
  name?: string;
  input?: unknown;
  output?: unknown;
  metadata?: unknown;
  level?: Level;
  statusMessage?: string;
  version?: string;
  environment?: string;
  model?: string;
  modelParameters?: Record<string, unknown>;
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
  completionStartTime?: TimeValue;
  promptName?: string;
  promptVersion?: number;
}

/**
 * The fields an observation can be started or updated with (Langfuse field names).
 *
 * @example
 * ```ts
 * import { instrument } from '@fusewire/core';
 * await instrument('generation', { name: 'answer', model: 'gpt-4o', input: messages }, async (obs) => {
 *   obs.output = await callModel(messages);
 * });
 * ```
 */
export interface ObservationAttributes extends ObservationFields {
  /** This observation's id: any string (non-hex ids are hashed to a span id, the same way every time). Read at start. */
  id?: string;
  /** When it started, if before the call (a `Date`, epoch ms or ISO string). Default: measured. Read at start. */
  startTime?: TimeValue;
  /** When it ended, if not when it is ended (e.g. `end({ endTime })` after a stream). Default: measured. */
  endTime?: TimeValue;
  /** Record the wrapped function's return value as `output` when `output` is not set. Default true. */
  captureOutput?: boolean;
  /** Join this trace (any string; non-hex ids are hashed) instead of the current or a new one. Read at start. */
  traceId?: string;
  /** Make this observation a child of that one (any string; non-hex ids are hashed). Read at start. */
  parentObservationId?: string;
  /**
   * Start a new trace whatever the current context, as OpenTelemetry's `root: true` does (`traceId` and
   * `parentObservationId` still apply). For the root of a unit of work whose callers' context means
   * nothing, such as a request a server received: a server started inside an observation would
   * otherwise put every request under it. Inside `withoutTracing` nothing is recorded still. Read at start.
   */
  root?: boolean;
  /** Fields for the observation's trace, merged like {@link ActiveObservation.updateTrace}. */
  trace?: TraceAttributes;
}

/**
 * A running observation. Assign fields at any time before it ends; they are read once, at
 * the end. After the end the handle lets go of its input, output and metadata.
 *
 * @example
 * ```ts
 * import { startObservation } from '@fusewire/core';
 * const obs = startObservation('generation', { name: 'stream' });
 * obs.markFirstChunk();
 * obs.end({ output: text });
 * ```
 */
export type ActiveObservation = { -readonly [F in ObservationField]-?: ObservationFields[F] | undefined } & {
  /** 16 lowercase hex characters; `''` when fusewire is not running. */
  readonly id: string;
  /** 32 lowercase hex characters; `''` when fusewire is not running. */
  readonly traceId: string;
  /** Sets every attribute given (undefined values are skipped). */
  update(attributes: Partial<ObservationAttributes>): void;
  /** Merges fields into this observation's trace (user, session, tags, output, …). */
  updateTrace(fields: TraceAttributes): void;
  /** Sets `completionStartTime` to now, on the first call only: call it at a stream's first chunk. */
  markFirstChunk(): void;
  /** Marks the observation failed: level `ERROR`, the error's message as `statusMessage`. */
  recordError(error: unknown): void;
  /** Runs `fn` with this observation as the current context, so what it starts nests here. */
  run<T>(fn: () => T): T;
  /** Ends the observation (after applying `attributes`) and queues it. Idempotent. */
  end(attributes?: Partial<ObservationAttributes>): void;
};
