import type { TraceNode, TraceView } from '@fusewire/langfuse-model';

/** An observation of a {@link TestTrace}: what Langfuse v4 stores for it. Times are epoch milliseconds. */
export interface TestObservation {
  id: string;
  /** `span`, `generation`, `event`, `agent`, `tool`, … */
  type: string;
  name: string;
  parentId?: string;
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  input?: unknown;
  output?: unknown;
  metadata?: Record<string, unknown>;
  /** `DEBUG`, `DEFAULT`, `WARNING` or `ERROR`. */
  level: string;
  statusMessage?: string;
  model?: string;
  modelParameters?: Record<string, unknown>;
  /** Usage as Langfuse stores it (OpenAI shapes converted: `input`, `output`, `total`, `input_cached_tokens`…). */
  usageDetails?: Record<string, number>;
  /** Cost as sent, or as Langfuse would compute it from a known model's price. */
  costDetails?: Record<string, number>;
  totalCost: number;
  completionStartTime?: number;
  promptName?: string;
  promptVersion?: number;
  environment: string;
  release?: string;
  version?: string;
  children: TestObservation[];
}

/** A score on a {@link TestTrace}. */
export interface TestScore {
  id?: string;
  name: string;
  value: unknown;
  observationId?: string;
  comment?: string;
  dataType?: string;
}

/** A trace as Langfuse v4 would show it, assembled by `@fusewire/langfuse-model` (as `fusewire dev` does). */
export interface TestTrace {
  id: string;
  name?: string;
  userId?: string;
  sessionId?: string;
  tags: string[];
  metadata?: Record<string, unknown>;
  input?: unknown;
  output?: unknown;
  environment?: string;
  release?: string;
  version?: string;
  public: boolean;
  /** Earliest observation start (epoch ms). */
  timestamp?: number;
  totalCost: number;
  /** The top-level observations, each with its `children`. {@link allObservations} lists every one. */
  observations: TestObservation[];
  scores: TestScore[];
}

function toObservation(node: TraceNode): TestObservation {
  const o: TestObservation = {
    id: node.id,
    type: node.type,
    name: node.name,
    level: node.level,
    totalCost: node.totalCost,
    environment: node.environment,
    children: node.children.map(toObservation),
  };
  const optional = {
    parentId: node.parentId,
    startTime: node.startTime,
    endTime: node.endTime,
    durationMs: node.durationMs,
    input: node.input,
    output: node.output,
    metadata: node.metadata,
    statusMessage: node.statusMessage,
    model: node.model,
    modelParameters: node.modelParameters,
    usageDetails: node.usage,
    costDetails: node.costDetails,
    completionStartTime: node.completionStartTime,
    promptName: node.promptName,
    promptVersion: node.promptVersion,
    release: node.release,
    version: node.version,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  }
  return o;
}

/** The model's view of a trace as plain data for assertions: only what was set, no internals. */
export function toTestTrace(view: TraceView): TestTrace {
  const trace: TestTrace = {
    id: view.id,
    tags: view.tags ?? [],
    public: view.public,
    totalCost: view.totalCost,
    observations: view.roots.map(toObservation),
    scores: view.scores.map(({ environment: _e, ...score }) => score),
  };
  const optional = {
    name: view.name,
    userId: view.userId,
    sessionId: view.sessionId,
    metadata: view.metadata,
    input: view.input,
    output: view.output,
    environment: view.environment,
    release: view.release,
    version: view.version,
    timestamp: view.timestamp,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (trace as unknown as Record<string, unknown>)[key] = value;
  }
  return trace;
}

/**
 * Every observation of a trace, depth first (parents before children).
 *
 * @example
 * ```ts
 * const generation = allObservations(trace).find((o) => o.type === 'generation');
 * ```
 */
export function allObservations(trace: TestTrace): TestObservation[] {
  const out: TestObservation[] = [];
  const walk = (o: TestObservation) => {
    out.push(o);
    for (const child of o.children) walk(child);
  };
  for (const root of trace.observations) walk(root);
  return out;
}
