import type { TraceNode, TraceView } from '@fusewire/langfuse-model';

/** Langfuse's observation levels, lowest first. */
export const LEVELS = ['DEBUG', 'DEFAULT', 'WARNING', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

/** An observation as the page gets it: the model's node without the arrival counter. */
export type ViewNode = Omit<TraceNode, 'children' | 'seq'> & { children: ViewNode[] };

/** A trace as Langfuse v4 would show it (the langfuse-model's view), ready for the page. */
export interface ViewTrace extends Omit<TraceView, 'roots' | 'observations'> {
  roots: ViewNode[];
  observationCount: number;
  /** The highest level among the observations. */
  level: Level;
  errorCount: number;
  /** Latest end minus earliest start of the observations (ms). */
  durationMs?: number;
  /** When the dev server last received something for it (epoch ms). */
  receivedAt: number;
}

/** One row of the live trace list. */
export interface TraceSummary {
  id: string;
  name?: string;
  userId?: string;
  sessionId?: string;
  tags: string[];
  environment?: string;
  timestamp?: number;
  durationMs?: number;
  level: Level;
  errorCount: number;
  observationCount: number;
  models: string[];
  totalTokens?: number;
  totalCost: number;
  receivedAt: number;
}
