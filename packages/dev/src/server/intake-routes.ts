import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceStore } from '../store/trace-store.js';
import { decodeBody } from './decode-body.js';
import type { Forwarder } from './forwarder.js';
import { sendJson, sendText } from './http-answers.js';
import { readIngestionBatch } from './ingestion-intake.js';
import { readOtlpRequest } from './otlp-intake.js';
import { readBody } from './read-body.js';

/** Counters of what the Langfuse-compatible endpoints received. */
export interface IntakeStats {
  otlpRequests: number;
  ingestionRequests: number;
  rejectedRequests: number;
  /** The last refusal, to show on the page (never a header or a key). */
  lastRejection?: { at: number; path: string; status: number; message: string };
}

export interface IntakeContext {
  store: TraceStore;
  stats: IntakeStats;
  maxBodyBytes: number;
  forwarder?: Forwarder;
  /** A request was refused: log it (once per message) and refresh the page's counters. */
  onRejected(path: string, status: number, message: string): void;
}

function reject(ctx: IntakeContext, res: ServerResponse, path: string, status: number, message: string): void {
  ctx.stats.rejectedRequests++;
  ctx.stats.lastRejection = { at: Date.now(), path, status, message };
  ctx.onRejected(path, status, message);
  if (status === 413) sendText(res, 413, message);
  else sendJson(res, status, { message });
}

/**
 * `POST /api/public/otel/v1/traces` and `POST /api/public/ingestion`, answered as Langfuse answers
 * them (any keys accepted). Accepted requests go to the store and, with `--forward`, on to Langfuse.
 */
export async function handleIntake(
  ctx: IntakeContext,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: 'otlp' | 'ingestion',
): Promise<void> {
  const path = endpoint === 'otlp' ? '/api/public/otel/v1/traces' : '/api/public/ingestion';
  const raw = await readBody(req, ctx.maxBodyBytes);
  if (!raw.ok) return reject(ctx, res, path, 413, `Request body too large (limit ${ctx.maxBodyBytes} bytes)`);
  const decoded = decodeBody(req.headers, raw.buffer, { protobuf: endpoint === 'otlp', limit: ctx.maxBodyBytes });
  if (!decoded.ok) return reject(ctx, res, path, decoded.status, decoded.message);
  const now = Date.now();
  if (endpoint === 'otlp') {
    ctx.stats.otlpRequests++;
    const intake = readOtlpRequest(decoded.value, now);
    if (!intake.ok) return reject(ctx, res, path, 400, intake.message);
    for (const [traceId, spans] of intake.byTrace) ctx.store.add(traceId, spans);
    ctx.forwarder?.forward(path, req.headers, raw.buffer);
    return sendJson(res, 200, {});
  }
  ctx.stats.ingestionRequests++;
  const intake = readIngestionBatch(decoded.value, now);
  if (!intake.ok) return reject(ctx, res, path, 400, intake.message);
  for (const [traceId, events] of intake.byTrace) ctx.store.add(traceId, events);
  ctx.forwarder?.forward(path, req.headers, raw.buffer);
  sendJson(res, 207, intake.answer);
}
