import type { Delivery, DeliveryResult, ExportRequest } from '../index.js';
import { type CapturedRequest, decodeRequest } from './captured-request.js';

/**
 * A delivery that keeps every request in memory and answers "delivered": no socket, no keys. The
 * retrying layer above it, the batching and the ledger run as in production.
 */
export class CapturingDelivery implements Delivery {
  readonly name = 'test-capture';
  readonly needsCredentials = false;
  #requests: CapturedRequest[] = [];
  #problems: string[] = [];

  async send(request: ExportRequest): Promise<DeliveryResult> {
    const decoded = decodeRequest(request);
    if (typeof decoded === 'string') this.#problems.push(decoded);
    else this.#requests.push(decoded);
    return { kind: 'delivered' };
  }

  requests(): CapturedRequest[] {
    return [...this.#requests];
  }

  /** Requests that could not be decoded (each a message). */
  problems(): string[] {
    return [...this.#problems];
  }

  clear(): void {
    this.#requests = [];
    this.#problems = [];
  }

  async close(): Promise<void> {}
}
