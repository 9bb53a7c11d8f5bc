import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Answer, failure, jsonAnswer, sendAnswer } from './answer.js';
import { basicAuthorization, checkAuthorization } from './auth.js';
import { decodeJsonBody } from './decode-json-body.js';
import { FaultScript } from './fault-script.js';
import { handleIngestion } from './ingestion-handler.js';
import { handleOtlp } from './otlp-handler.js';
import { type OtlpValidation, validateOtlpRequest } from './otlp-request.js';
import { readBody } from './read-body.js';
import { ReceivedStore } from './received-store.js';
import type {
  Endpoint,
  FaultRule,
  IngestionMode,
  LangfuseServerOptions,
  LangfuseTestServer,
  Received,
  ReceivedRequest,
  RequestEndpoint,
} from './types.js';
import { waitFor } from './wait-for.js';

const DEFAULT_MAX_BODY_BYTES = 4.5 * 1024 * 1024;
const SOCKET_CLOSE_GRACE_MS = 20;

const ROUTES: ReadonlyMap<string, RequestEndpoint> = new Map<string, RequestEndpoint>([
  ['/api/public/otel/v1/traces', 'otlp'],
  ['/api/public/ingestion', 'ingestion'],
  ['/api/public/health', 'health'],
]);

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Spans in a body that failed validation, counted loosely for the request record. */
function looseSpanCount(body: any): number {
  let n = 0;
  if (!Array.isArray(body?.resourceSpans)) return 0;
  for (const rs of body.resourceSpans) {
    if (!Array.isArray(rs?.scopeSpans)) continue;
    for (const ss of rs.scopeSpans) if (Array.isArray(ss?.spans)) n += ss.spans.length;
  }
  return n;
}

function scriptedAnswer(rule: FaultRule & { status: number }): Answer {
  const answer: Answer =
    rule.body === undefined
      ? failure(rule.status, `scripted ${rule.status}`)
      : { status: rule.status, body: rule.body, contentType: 'application/json', message: rule.body };
  if (rule.retryAfter !== undefined) answer.headers = { 'retry-after': rule.retryAfter };
  return answer;
}

function checkOptions(options: LangfuseServerOptions): void {
  const { port, maxBodyBytes, ingestionMode } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new TypeError(`startLangfuseServer: port must be an integer 0-65535 (0 = random), got ${port}`);
  }
  if (maxBodyBytes !== undefined && !(maxBodyBytes > 0)) {
    throw new TypeError(`startLangfuseServer: maxBodyBytes must be a positive number, got ${maxBodyBytes}`);
  }
  if (ingestionMode !== undefined && ingestionMode !== 'v3' && ingestionMode !== 'v4') {
    throw new TypeError(`startLangfuseServer: ingestionMode must be 'v3' or 'v4', got ${String(ingestionMode)}`);
  }
}

class LangfuseServer implements LangfuseTestServer {
  readonly host: string;
  readonly publicKey: string;
  readonly secretKey: string;
  readonly authorization: string;
  ingestionMode: IngestionMode;
  readonly #store: ReceivedStore;
  readonly #script = new FaultScript();
  readonly #http: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #maxBodyBytes: number;
  #port: number;
  #listening = false;
  #closed = false;

  constructor(options: LangfuseServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.publicKey = options.publicKey ?? 'pk-lf-test';
    this.secretKey = options.secretKey ?? 'sk-lf-test';
    this.authorization = basicAuthorization(this.publicKey, this.secretKey);
    this.ingestionMode = options.ingestionMode ?? 'v3';
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#port = options.port ?? 0;
    this.#store = new ReceivedStore(options.keepBodies ?? true);
    this.#http = createServer((req, res) => {
      this.#onRequest(req, res).catch((error: unknown) => {
        sendAnswer(res, failure(500, `test server error: ${(error as Error)?.stack ?? error}`));
      });
    });
    this.#http.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.#port}`;
  }

  get received(): Received {
    return this.#store;
  }

  script(rules: FaultRule | readonly FaultRule[]): void {
    this.#script.add(rules);
  }

  pendingScripts(): number {
    return this.#script.pending;
  }

  reset(): void {
    this.#store.clear();
    this.#script.clear();
  }

  waitFor(predicate: (received: Received) => boolean, timeoutMs?: number): Promise<void> {
    return waitFor(this.#store, predicate, timeoutMs);
  }

  /** @internal */
  async listen(): Promise<void> {
    if (this.#closed) throw new Error('LangfuseTestServer: closed for good; start a new one');
    if (this.#listening) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#http.once('error', onError);
      this.#http.listen(this.#port, this.host, () => {
        this.#http.off('error', onError);
        resolve();
      });
    });
    this.#listening = true;
    this.#port = (this.#http.address() as AddressInfo).port;
  }

  restart(): Promise<void> {
    return this.listen();
  }

  async stop(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    // Keep-alive and hung sockets would otherwise keep the "stopped" server reachable.
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    // Let in-process clients see their keep-alive sockets close, so their next request meets a
    // refused connection rather than a reset on a socket they thought was still alive.
    await new Promise((resolve) => setTimeout(resolve, SOCKET_CLOSE_GRACE_MS));
  }

  async refuseConnections(ms: number): Promise<void> {
    await this.stop();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.listen().catch(() => {});
    }, ms);
    this.#timers.add(timer);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.stop();
  }

  /** Resolves after `ms`; never resolves if the server is closed meanwhile. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  #record(request: ReceivedRequest, api: boolean): void {
    this.#store.addRequest(request, api && !isSuccess(request.status));
  }

  #headersOf(req: IncomingMessage): ReceivedRequest['headers'] {
    if (!this.#store.keepBodies) return {};
    const headers: ReceivedRequest['headers'] = { ...req.headers };
    if (headers.authorization !== undefined) headers.authorization = '[redacted]';
    return headers;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const path = pathOf(req.url);
    const endpoint = ROUTES.get(path) ?? 'unknown';
    const method = req.method ?? 'GET';
    if (endpoint === 'otlp' || endpoint === 'ingestion') {
      if (method === 'POST') return this.#onWrite(req, res, endpoint, path, at);
      req.resume();
      return this.#finish(res, failure(405, `Method ${method} not allowed: use POST`), {
        endpoint,
        method,
        path,
        status: 0,
        at,
        eventCount: 0,
        bytes: 0,
        headers: this.#headersOf(req),
        scripted: false,
      });
    }
    req.resume();
    let answer: Answer;
    if (endpoint === 'health') {
      answer =
        method === 'GET' || method === 'HEAD'
          ? jsonAnswer(200, { status: 'OK', version: 'fusewire-test-server' })
          : failure(405, `Method ${method} not allowed: use GET`);
    } else {
      answer = failure(404, `Not found: ${method} ${path}`);
    }
    this.#finish(res, answer, {
      endpoint,
      method,
      path,
      status: 0,
      at,
      eventCount: 0,
      bytes: 0,
      headers: this.#headersOf(req),
      scripted: false,
    });
  }

  #finish(res: ServerResponse, answer: Answer, request: ReceivedRequest): void {
    request.status = answer.status;
    if (answer.message !== undefined && !isSuccess(answer.status)) request.message = answer.message;
    this.#record(request, request.endpoint === 'otlp' || request.endpoint === 'ingestion');
    sendAnswer(res, answer);
  }

  async #onWrite(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Endpoint,
    path: string,
    at: number,
  ): Promise<void> {
    let raw: Awaited<ReturnType<typeof readBody>>;
    try {
      raw = await readBody(req, endpoint === 'ingestion' ? this.#maxBodyBytes : Number.POSITIVE_INFINITY);
    } catch {
      return; // the client went away mid-body: nothing to answer
    }
    const decoded = raw.tooLarge ? undefined : decodeJsonBody(req.headers, raw.buffer, endpoint === 'otlp');
    const body = decoded?.ok ? decoded.value : undefined;
    let validation: OtlpValidation | undefined;
    let eventCount = 0;
    if (endpoint === 'otlp') {
      if (decoded?.ok) validation = validateOtlpRequest(body);
      eventCount = validation?.ok ? validation.spanCount : looseSpanCount(body);
    } else {
      const batch = (body as { batch?: unknown } | undefined)?.batch;
      eventCount = Array.isArray(batch) ? batch.length : 0;
    }
    const request: ReceivedRequest = {
      endpoint,
      method: 'POST',
      path,
      status: 0,
      at,
      eventCount,
      bytes: raw.bytes,
      headers: this.#headersOf(req),
      scripted: false,
    };
    if (this.#store.keepBodies && body !== undefined) request.body = body;

    const rule = this.#script.take(endpoint);
    if (rule) {
      request.scripted = true;
      if (rule.delayMs) await this.#sleep(rule.delayMs);
      if (rule.reset) {
        this.#record(request, true);
        req.socket.destroy();
        return;
      }
      if (rule.hang) {
        this.#record(request, true); // never answered; close()/stop() destroys the socket
        return;
      }
      if (rule.status !== undefined)
        return this.#finish(res, scriptedAnswer({ ...rule, status: rule.status }), request);
    }

    let answer: Answer;
    if (raw.tooLarge) {
      answer = {
        status: 413,
        body: `Request Entity Too Large: body is ${raw.bytes} bytes, the limit is ${this.#maxBodyBytes}`,
        contentType: 'text/plain; charset=utf-8',
      };
      answer.message = answer.body;
    } else {
      const refusal = checkAuthorization(req.headers.authorization, this.authorization, this.publicKey, this.secretKey);
      if (refusal) answer = failure(refusal.status, refusal.message);
      else if (!decoded?.ok) answer = failure(decoded?.status ?? 400, decoded?.message ?? 'Invalid body');
      else if (endpoint === 'otlp') answer = handleOtlp(body, validation!, this.#store);
      else answer = handleIngestion(body, this.#store, this.ingestionMode, rule?.perEvent);
    }
    this.#finish(res, answer, request);
  }
}

/**
 * Start a Langfuse-compatible HTTP server on 127.0.0.1 that records what it receives: OTLP/JSON spans
 * on `/api/public/otel/v1/traces`, batches on `/api/public/ingestion`, and `/api/public/health`.
 * Faults can be scripted per request. Throws at once on invalid options.
 *
 * @example
 * ```ts
 * const server = await startLangfuseServer();
 * server.script([{ endpoint: 'otlp', status: 429, retryAfter: '1' }]);
 * // … point the exporter at server.url with server.publicKey / server.secretKey …
 * await server.waitFor((r) => r.counts.uniqueSpans >= 3);
 * console.log(formatTree(server.received));
 * await server.close();
 * ```
 */
export async function startLangfuseServer(options: LangfuseServerOptions = {}): Promise<LangfuseTestServer> {
  checkOptions(options);
  const server = new LangfuseServer(options);
  await server.listen();
  return server;
}
