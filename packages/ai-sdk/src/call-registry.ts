import type { ActiveObservation } from '@fusewire/core';
import type { GenerationRun } from '@fusewire/llm-common';

/** What one AI SDK call (one `callId`) has open. */
export interface CallState {
  operation: GenerationRun;
  provider: string | undefined;
  /** Model calls in flight, oldest first (an AI SDK call runs its steps one after another). */
  modelCalls: Array<{ run: GenerationRun; startedAt: number }>;
  tools: Map<string, GenerationRun>;
  embeds: Map<string, GenerationRun>;
}

// A call whose end the SDK never reported (a process-level abort) must not pin memory forever.
const MAX_OPEN_CALLS = 10_000;

/** Open AI SDK calls by `callId`, bounded; the oldest is dropped first. */
export class CallRegistry {
  readonly #calls = new Map<string, CallState>();

  open(callId: string, state: CallState): void {
    if (this.#calls.size >= MAX_OPEN_CALLS) {
      const oldest = this.#calls.keys().next().value;
      if (oldest !== undefined) this.#calls.delete(oldest);
    }
    this.#calls.set(callId, state);
  }

  get(callId: unknown): CallState | undefined {
    return typeof callId === 'string' ? this.#calls.get(callId) : undefined;
  }

  close(callId: unknown): CallState | undefined {
    const state = this.get(callId);
    if (state !== undefined) this.#calls.delete(callId as string);
    return state;
  }
}

/** The attributes that hang a child observation under the call's own. */
export function childOf(parent: ActiveObservation): { traceId?: string; parentObservationId?: string } {
  return parent.id === '' ? {} : { traceId: parent.traceId, parentObservationId: parent.id };
}
