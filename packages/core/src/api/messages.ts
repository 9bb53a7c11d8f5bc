import type { ObservationType, ScoreDataType } from '../model/schemas.js';
import type { ObservationFields, TimeValue } from './observation-types.js';
import type { TraceAttributes } from './trace-scope.js';

/*
 * The shapes of what the `langfuse.*` channels take, for publishers that want types. Publishing
 * needs no fusewire import; these are types only (`import type`), so a library can check its
 * messages against them with fusewire as a dev dependency and nothing at run time.
 */

/**
 * A message on `langfuse.trace`. Publishing the same `id` again merges into that trace.
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import type { TraceMessage } from '@fusewire/core';
 * const trace: TraceMessage = { id: 'order-17', name: 'checkout', userId: 'u-1', tags: ['web'] };
 * channel('langfuse.trace').publish(trace);
 * ```
 */
export interface TraceMessage extends TraceAttributes {
  /** Any string (non-hex ids are hashed to a W3C trace id). Default: a new trace. */
  id?: string;
  /** When the trace started. Default: when published. */
  timestamp?: TimeValue;
}

/** The fields every observation message takes (`langfuse.span`, `.generation`, `.event`). */
export interface ObservationMessage extends ObservationFields {
  /** Any string (non-hex ids are hashed to a W3C span id). Default: a new id. */
  id?: string;
  /** Default: inside an instrumented block, the current trace; else a new trace. */
  traceId?: string;
  /** Default: inside an instrumented block, the current observation. */
  parentObservationId?: string;
  startTime?: TimeValue;
  /** Default: when published. */
  endTime?: TimeValue;
}

/** The observation types `langfuse.span` takes in `type` (generations and events have their own channels). */
export type SpanType = Exclude<ObservationType, 'generation' | 'event'>;

/**
 * A message on `langfuse.span`.
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import type { SpanMessage } from '@fusewire/core';
 * const span: SpanMessage = { name: 'retrieve', type: 'retriever', input: 'q', startTime: Date.now() - 12 };
 * channel('langfuse.span').publish(span);
 * ```
 */
export interface SpanMessage extends ObservationMessage {
  /** Default `span`. */
  type?: SpanType;
}

/**
 * A message on `langfuse.generation`: a model call, with `model`, `usageDetails`, `costDetails`, …
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import type { GenerationMessage } from '@fusewire/core';
 * const generation: GenerationMessage = { name: 'chat', model: 'gpt-4o', usageDetails: { input: 21, output: 9 } };
 * channel('langfuse.generation').publish(generation);
 * ```
 */
export interface GenerationMessage extends ObservationMessage {}

/**
 * A message on `langfuse.event`: a point in time (no end).
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import type { EventMessage } from '@fusewire/core';
 * const event: EventMessage = { name: 'cache-miss', level: 'WARNING', metadata: { key: 'user:42' } };
 * channel('langfuse.event').publish(event);
 * ```
 */
export interface EventMessage extends Omit<ObservationMessage, 'endTime'> {}

interface ScoreFields {
  name: string;
  /** A number (NUMERIC, BOOLEAN as 0/1) or a string (CATEGORICAL, TEXT). */
  value: number | string;
  /** Default: from the value's type. */
  dataType?: ScoreDataType;
  comment?: string;
  id?: string;
  metadata?: unknown;
  environment?: string;
  timestamp?: TimeValue;
}

/**
 * A message on `langfuse.score`. It targets exactly one of a trace (optionally one of its
 * observations), a session or a dataset run; inside an instrumented block the current trace is used.
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import type { ScoreMessage } from '@fusewire/core';
 * const score: ScoreMessage = { traceId: 'order-17', name: 'helpfulness', value: 0.9 };
 * channel('langfuse.score').publish(score);
 * ```
 */
export type ScoreMessage = ScoreFields &
  (
    | { traceId?: string; observationId?: string; sessionId?: never; datasetRunId?: never }
    | { sessionId: string; traceId?: never; observationId?: never; datasetRunId?: never }
    | { datasetRunId: string; traceId?: never; observationId?: never; sessionId?: never }
  );

/**
 * Each channel's message type, by channel name.
 *
 * @example
 * ```ts
 * import { channel } from 'node:diagnostics_channel';
 * import type { ChannelMessages } from '@fusewire/core';
 * function publish<C extends keyof ChannelMessages>(name: C, message: ChannelMessages[C]): void {
 *   channel(name).publish(message);
 * }
 * publish('langfuse.score', { name: 'relevance', value: 1 });
 * ```
 */
export interface ChannelMessages {
  'langfuse.trace': TraceMessage;
  'langfuse.span': SpanMessage;
  'langfuse.generation': GenerationMessage;
  'langfuse.event': EventMessage;
  'langfuse.score': ScoreMessage;
}
