import { now } from '../runtime/clock.js';
import { globalState, type PipelineEntry } from '../runtime/global-state.js';
import { newTraceId, sampledIn, toSpanId, toTraceId } from '../model/ids.js';
import type { ContextStore } from './context.js';
import { Observation } from './observation.js';
import type { ObservationAttributes } from './observation-types.js';
import { TraceScope } from './trace-scope.js';

/*
 * Opening policy: which trace and parent a new observation joins, who owns the trace's scope,
 * and whether the trace is sampled. Decided once, at the observation's start.
 */

/** The running pipeline, or undefined when none is running (never started, or shut down). */
export function runningPipeline(): PipelineEntry | undefined {
  const pipeline = globalState().pipeline;
  return pipeline !== undefined && pipeline.isShutdown !== true ? pipeline : undefined;
}

/**
 * Starts an observation under `parent` (the current context store). Returns undefined
 * inside fusewire's own exporter (suppressed context). May throw on a hostile attributes
 * object: callers guard it.
 */
export function openObservation(
  type: string,
  attributes: ObservationAttributes | undefined,
  parent: ContextStore | undefined,
  pipeline: PipelineEntry,
): Observation | undefined {
  if (parent !== undefined && parent.suppressed === true) return undefined;
  if (attributes?.root === true) parent = undefined;
  let traceId: string;
  let parentId: string | undefined;
  let scope: TraceScope | undefined;
  let inherited: boolean | undefined;
  let createdHere = false;
  const explicitTrace = attributes?.traceId;
  const explicitParent = attributes?.parentObservationId;
  if (typeof explicitTrace === 'string' && explicitTrace !== '') {
    traceId = toTraceId(explicitTrace);
    if (parent !== undefined && parent.traceId === traceId) {
      scope = parent.scope as TraceScope | undefined;
      parentId = parent.observationId;
      inherited = parent.sampled;
    }
  } else if (parent !== undefined && parent.traceId !== '') {
    traceId = parent.traceId;
    scope = parent.scope as TraceScope | undefined;
    parentId = parent.observationId;
    inherited = parent.sampled;
  } else {
    traceId = newTraceId();
    createdHere = true;
  }
  if (typeof explicitParent === 'string' && explicitParent !== '') parentId = toSpanId(explicitParent);
  let root: 0 | 1 | 2 = parentId === undefined ? 1 : 0;
  let startTime: number;
  if (scope === undefined) {
    // The first observation of this trace in this process owns its scope.
    const sampled = inherited ?? sampledIn(traceId, pipeline.sampleRate ?? 1);
    startTime = sampled ? now() : 0;
    scope = new TraceScope(traceId, sampled, createdHere, startTime);
    root = 2;
  } else {
    // An unsampled trace skips the clock: nothing of it is ever sent.
    startTime = scope.sampled ? now() : 0;
  }
  return new Observation(type, traceId, parentId, scope, root, startTime, attributes);
}
