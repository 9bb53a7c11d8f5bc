import { createExportLanes } from '../export/export-lanes.js';
import { Drain } from '../pipeline/drain.js';
import { Intake } from '../pipeline/intake.js';
import { Ledger } from '../pipeline/ledger.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { createConsoleLogger, LogSink } from '../runtime/logger.js';
import type { ResolvedOptions } from '../runtime/options.js';
import { createMemoryStore } from '../seams/memory-store.js';

/** Seconds a process gets to send what it can when it ends on a signal or a crash nothing handles. */
const SIGNAL_DEADLINE_MS = 5_000;
const CRASH_DEADLINE_MS = 2_000;

/**
 * Builds a pipeline from resolved options: one ledger that every part reports to, the intake
 * (hot path), the store, the export lanes (export/export-lanes.ts: OTLP for traces unless
 * `transport: 'ingestion'`, scores always over the ingestion API, over the retrying delivery)
 * and the drain that moves records between them.
 */
export function createPipeline(opts: ResolvedOptions): Pipeline {
  const log = new LogSink(opts.logger ?? createConsoleLogger(), [opts.secretKey]);
  const store = opts.store ?? createMemoryStore();
  const ledger = new Ledger({
    log,
    store,
    deadLetterSize: opts.deadLetterSize,
    maxQueueSize: opts.maxQueueSize,
    maxQueueBytes: opts.maxQueueBytes,
  });
  // The export side (delivery's): one lane per endpoint, reporting every outcome to the ledger.
  const exportLanes = createExportLanes(opts, ledger, opts.delivery, (key, message) =>
    log.once(`v4:${key}`, 'warn', {}, message),
  );
  const { trace: traceLane, score: scoreLane, all: lanes } = exportLanes;
  let drain: Drain | undefined;
  const intake = new Intake({
    ledger,
    log,
    flushAt: opts.flushAt,
    maxQueueSize: opts.maxQueueSize,
    maxQueueBytes: opts.maxQueueBytes,
    backlog: () => drain?.soon(),
  });
  drain = new Drain({
    intake,
    ledger,
    store,
    lanes,
    route: (record) => (record.kind === 'score' ? scoreLane : traceLane),
    log,
    sampleRate: opts.sampleRate,
    maxEventBytes: opts.maxBatchBytes,
    // Enough claimed for every lane to keep its requests busy twice over.
    claimWindow: opts.flushAt * opts.maxConcurrentExports * 2 * lanes.length,
    claimWindowBytes: opts.maxBatchBytes * opts.maxConcurrentExports * 2 * lanes.length,
  });
  ledger.watchSettled((count) => drain.settled(count));
  if (opts.mask !== undefined) intake.addMask(opts.mask);
  return new Pipeline({
    log,
    ledger,
    intake,
    drain,
    store,
    lanes,
    closeTransport: () => exportLanes.close(),
    sampleRate: opts.sampleRate,
    rootNamesTrace: opts.transport === 'otlp',
    flushIntervalMs: opts.flushIntervalMs,
    maxAppendDelayMs: store.maxAppendDelayMs,
    lifecycle: {
      flushOnExit: opts.flushOnExit,
      timeoutMs: opts.timeoutMs,
      signalDeadlineMs: SIGNAL_DEADLINE_MS,
      crashDeadlineMs: CRASH_DEADLINE_MS,
    },
  });
}
