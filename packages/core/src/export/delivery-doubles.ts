// Test doubles for the export side (used by tests only; not exported from the package).
import type { ExportRecord, ScoreRecord } from '../model/records.js';
import type { Delivery, DeliveryResult, ExportRequest } from '../seams/delivery.js';
import type { ExportReport } from './export-report.js';
import type { Exporter } from './exporter.js';

/** A delivery that holds every send until the test answers it. */
export class HeldDelivery implements Delivery {
  readonly name = 'held';
  readonly needsCredentials = false;
  readonly sent: Array<{ request: ExportRequest; answer: (result: DeliveryResult) => void }> = [];
  /** The signal of every send, in order (answered or not). */
  readonly signals: AbortSignal[] = [];
  send(request: ExportRequest, signal: AbortSignal): Promise<DeliveryResult> {
    this.signals.push(signal);
    return new Promise((answer) => this.sent.push({ request, answer }));
  }
  async close() {}
  /** Answers the oldest unanswered send. */
  answer(result: DeliveryResult): ExportRequest {
    const next = this.sent.shift();
    if (next === undefined) throw new Error('nothing was sent');
    next.answer(result);
    return next.request;
  }
}

export const exporter: Exporter = {
  name: 'ingestion',
  prepare: (records) => ({ ready: records, held: [] }),
  encode: (records) => ({
    body: records.map((r) => r.envelopeId).join(','),
    contentType: 'application/json',
    path: '/api/public/ingestion',
    records,
  }),
};

export function records(n: number): ScoreRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'score',
    id: `s${i}`,
    envelopeId: `e${i}`,
    raw: 0,
    timestamp: 0,
    name: 'n',
    value: 1,
    dataType: 'NUMERIC',
    bytes: 10,
    epoch: 0,
  }));
}

export function fakeReport() {
  const outcomes = new Map<ExportRecord, { outcome: string; message?: string; status?: number }>();
  const log: string[] = [];
  const report: ExportReport = {
    settle(rs, outcome, detail) {
      for (const r of rs) {
        if (outcomes.has(r)) throw new Error(`settled twice: ${r.envelopeId}`);
        outcomes.set(r, { outcome, ...detail });
      }
    },
    requestSent: () => log.push('request'),
    retrying: () => log.push('retry'),
    exportFailed: (code, _m, willRetry) => log.push(`${willRetry ? 'retrying' : 'failed'}:${code}`),
    exportSucceeded: () => log.push('ok'),
  };
  return { report, outcomes, log, of: (r: ExportRecord) => outcomes.get(r), settledCount: () => outcomes.size };
}
