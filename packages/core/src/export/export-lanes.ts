import type { ResolvedOptions } from '../runtime/options.js';
import { SDK_VERSION } from '../runtime/version.js';
import type { Delivery } from '../seams/delivery.js';
import { EndpointPause } from './endpoint-pause.js';
import { ExportLane } from './export-lane.js';
import type { ExportReport } from './export-report.js';
import type { Exporter } from './exporter.js';
import { createHttpDelivery } from './http-delivery.js';
import { IngestionExporter } from './ingestion/ingestion-exporter.js';
import { OtlpExporter } from './otlp/otlp-exporter.js';
import type { NoticeSink } from './otlp/trace-assembler.js';
import { MAX_ATTEMPT_MS, RetryingDelivery } from './retrying-delivery.js';

/**
 * What one request may carry, in encoded bytes, whatever `maxBatchBytes` says: Langfuse Cloud takes
 * 5 MB per OTLP request; the ingestion API refuses bodies over 4.5 MB.
 */
const MAX_BODY_BYTES = { otlp: 5_000_000, ingestion: 4_500_000 } as const;

/** Slow batches allowed per concurrency slot (they keep connections, so the pool has room for them). */
const SLOW_PER_SLOT = 4;

/** The export side of a client: one lane per endpoint over one delivery. */
export interface ExportLanes {
  /** Traces and observations (the score lane itself when the transport is `ingestion`). */
  trace: ExportLane;
  score: ExportLane;
  all: ExportLane[];
  /** Closes the delivery (after the lanes were abandoned). */
  close(): Promise<void>;
}

/**
 * Builds the lanes over `delivery`, direct HTTP by default. The retrying layer times each attempt
 * (`timeoutMs`, growing after timeouts); the HTTP client's own limit is only a backstop.
 */
export function createExportLanes(
  opts: ResolvedOptions,
  report: ExportReport,
  delivery?: Delivery,
  /** Corrections the exporters make to what Langfuse would silently rewrite (logged once per key). */
  notice?: NoticeSink,
): ExportLanes {
  const sender =
    delivery ??
    createHttpDelivery({
      baseUrl: opts.baseUrl,
      publicKey: opts.publicKey ?? '',
      secretKey: opts.secretKey ?? '',
      timeoutMs: MAX_ATTEMPT_MS,
      connections: opts.maxConcurrentExports * (1 + SLOW_PER_SLOT) * 2,
    });
  const lane = (exporter: Exporter): ExportLane => {
    let resume = () => {};
    const pause = new EndpointPause(() => resume());
    const retrying = new RetryingDelivery(sender, exporter, pause, report, {
      maxRetryElapsedMs: opts.maxRetryElapsedMs,
      timeoutMs: opts.timeoutMs,
      maxRequestBytes: Math.min(opts.maxBatchBytes, MAX_BODY_BYTES[exporter.name]),
      // OTLP only: the legacy batch API is not documented to take gzip.
      compression: exporter.name === 'otlp' ? opts.compression : 'none',
    });
    const created = new ExportLane(exporter, retrying, pause, report, {
      flushAt: opts.flushAt,
      maxBatchBytes: opts.maxBatchBytes,
      concurrency: opts.maxConcurrentExports,
      maxSlow: opts.maxConcurrentExports * SLOW_PER_SLOT,
    });
    resume = () => created.resume();
    return created;
  };
  const score = lane(
    new IngestionExporter({ environment: opts.environment, release: opts.release, sdkVersion: SDK_VERSION }),
  );
  const trace =
    opts.transport === 'otlp'
      ? lane(
          new OtlpExporter({
            sdkVersion: SDK_VERSION,
            serviceName: process.env.OTEL_SERVICE_NAME ?? process.env.npm_package_name ?? 'unknown_service:node',
            environment: opts.environment,
            release: opts.release,
            holdMs: opts.flushIntervalMs,
            encoding: opts.otlpEncoding,
            ...(notice !== undefined && { notice }),
          }),
        )
      : score;
  return {
    trace,
    score,
    all: trace === score ? [score] : [trace, score],
    close: () => sender.close(),
  };
}
