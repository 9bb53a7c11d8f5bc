import type { Delivery, DeliveryResult, ExportRequest } from './seam.js';

// TEMPORARY: a minimal stand-in for core's createHttpDelivery until it lands on main; the worker then
// sends with core's, so it classifies answers exactly as the app would.

export interface HttpDeliveryOptions {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  timeoutMs?: number;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function read207(request: ExportRequest, text: string): DeliveryResult {
  let parsed: { errors?: Array<{ id?: string; status?: number; message?: string; error?: unknown }> };
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'delivered' };
  }
  const errors = Array.isArray(parsed?.errors) ? parsed.errors : [];
  if (errors.length === 0) return { kind: 'delivered' };
  const failed = new Set<string>();
  const rejected: Array<{ id: string; status: number; message: string }> = [];
  const retry: string[] = [];
  for (const e of errors) {
    const id = String(e.id);
    failed.add(id);
    const status = Number(e.status ?? 500);
    if (status >= 500) retry.push(id);
    else rejected.push({ id, status, message: String(e.message ?? e.error ?? `status ${status}`) });
  }
  return { kind: 'partial', delivered: request.eventIds.filter((id) => !failed.has(id)), rejected, retry };
}

export function createStandInHttpDelivery(options: HttpDeliveryOptions): Delivery {
  const base = options.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString('base64')}`;
  return {
    name: 'http',
    needsCredentials: true,
    async send(request, signal): Promise<DeliveryResult> {
      try {
        const response = await fetch(base + request.path, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': request.contentType,
            ...(request.contentEncoding ? { 'content-encoding': request.contentEncoding } : {}),
            'x-langfuse-sdk-name': 'fusewire',
            'x-fusewire-export': '1',
          },
          body: request.body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]),
        });
        const text = await response.text();
        const status = response.status;
        if (status === 207) return read207(request, text);
        if (status >= 200 && status < 300) return { kind: 'delivered' };
        if (status === 413) return { kind: 'too_large' };
        const message = `Langfuse answered ${status}: ${text.slice(0, 200)}`;
        if (RETRYABLE.has(status)) {
          const after = retryAfterMs(response.headers.get('retry-after'));
          return {
            kind: 'retryable',
            code: `HTTP_${status}`,
            message,
            status,
            ...(after !== undefined ? { retryAfterMs: after } : {}),
          };
        }
        return { kind: 'rejected', code: `HTTP_${status}`, message, status };
      } catch (error) {
        return { kind: 'retryable', code: 'NETWORK', message: `request failed: ${(error as Error)?.message}` };
      }
    },
    async close() {},
  };
}
