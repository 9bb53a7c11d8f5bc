import {
  type DropMessage,
  type ExportMessage,
  type Fusewire,
  type RecordMessage,
  SELF_TELEMETRY_CHANNELS,
} from '@fusewire/core';
import cluster from 'node:cluster';
import dc from 'node:diagnostics_channel';
import { AggregatorRegistry, type Registry, register as globalRegister } from 'prom-client';
import { LlmMetrics } from './llm-metrics.js';
import { PipelineMetrics } from './pipeline-metrics.js';

/** Options of {@link collectMetrics}. */
export interface CollectMetricsOptions {
  /** Where the metrics are registered. Default prom-client's global registry. */
  register?: Registry;
  /** Metric name prefix. Default `fusewire_`. */
  prefix?: string;
  /** Distinct `model` label values kept; later models are counted as `other`. Default 100. */
  maxModels?: number;
}

/** A running collection. */
export interface MetricsCollection {
  /** Unsubscribes from fusewire's channels (the metrics stay registered with their last values). */
  stop(): void;
}

/**
 * Turns fusewire's self-telemetry channels (`fusewire.record`, `fusewire.drop`, `fusewire.export`)
 * into Prometheus metrics: the pipeline's events, drops, export requests, export latency and queue,
 * and LLM tokens, cost, latency, time to first token and errors by model. Labels are bounded:
 * never ids or observation names, and at most `maxModels` models.
 *
 * @example
 * ```ts
 * import { createFusewire } from '@fusewire/core';
 * import { collectMetrics, metricsHandler } from '@fusewire/metrics';
 * import { register } from 'prom-client';
 *
 * const fusewire = createFusewire();
 * collectMetrics(fusewire);
 * app.get('/metrics', metricsHandler(register));
 * ```
 */
export function collectMetrics(client: Fusewire, options: CollectMetricsOptions = {}): MetricsCollection {
  const register = options.register ?? globalRegister;
  // prom-client answers the primary's AggregatorRegistry only once an AggregatorRegistry exists in
  // the worker too; creating one here makes cluster mode work with no extra line in the workers.
  if (cluster.isWorker) new AggregatorRegistry();
  const prefix = options.prefix ?? 'fusewire_';
  const pipeline = new PipelineMetrics(client, register, prefix);
  const llm = new LlmMetrics(register, prefix, options.maxModels ?? 100);
  const onRecord = guarded((message: RecordMessage) => {
    pipeline.record(message);
    llm.observe(message);
  });
  const onDrop = guarded((message: DropMessage) => pipeline.drop(message));
  const onExport = guarded((message: ExportMessage) => pipeline.export(message));
  dc.subscribe(SELF_TELEMETRY_CHANNELS.record, onRecord);
  dc.subscribe(SELF_TELEMETRY_CHANNELS.drop, onDrop);
  dc.subscribe(SELF_TELEMETRY_CHANNELS.export, onExport);
  return {
    stop() {
      dc.unsubscribe(SELF_TELEMETRY_CHANNELS.record, onRecord);
      dc.unsubscribe(SELF_TELEMETRY_CHANNELS.drop, onDrop);
      dc.unsubscribe(SELF_TELEMETRY_CHANNELS.export, onExport);
    },
  };
}

// A metrics bug must never reach fusewire's ledger, let alone the app.
function guarded<T>(fn: (message: T) => void): (message: unknown) => void {
  return (message) => {
    try {
      fn(message as T);
    } catch {
      // Counted nowhere on purpose: the metrics are the thing that broke.
    }
  };
}
