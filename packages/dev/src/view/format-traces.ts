import { formatTree, type TraceView } from '@fusewire/langfuse-model';
import type { ViewTrace } from './types.js';

/**
 * Traces as indented text, one tree per trace (the langfuse-model's format), for terminals and demos.
 *
 * @example
 * ```ts
 * console.log(formatTraces(dev.traces()));
 * // trace chat-request (4bf9…) user=u-1
 * //   - [span] handle (120 ms)
 * //     - [generation] chat (80 ms) model=gpt-4o usage=input:12,output:34
 * ```
 */
export function formatTraces(traces: readonly ViewTrace[]): string {
  // formatTree reads the trace fields and walks `roots`; a ViewTrace carries both (its nodes lack only
  // the model's arrival counter, which formatting never reads).
  return formatTree(traces as unknown as TraceView[]);
}
