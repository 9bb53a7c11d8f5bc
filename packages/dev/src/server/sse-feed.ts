import type { ServerResponse } from 'node:http';
import type { TraceStore } from '../store/trace-store.js';
import type { ViewCache } from '../view/view-cache.js';

/** How long changes are gathered before one push: a burst of spans becomes one update per trace. */
const COALESCE_MS = 50;
/** Comment lines keep proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * The live feed behind the page (Server-Sent Events). A new client first gets `snapshot` (every trace
 * summary, newest first), then `trace` (a summary that changed), `evicted` ({id}) and `stats` events.
 * EventSource reconnects by itself and then gets a fresh snapshot, so nothing is missed.
 */
export class SseFeed {
  readonly #clients = new Set<ServerResponse>();
  readonly #changed = new Set<string>();
  readonly #evicted = new Set<string>();
  readonly #views: ViewCache;
  readonly #stats: () => unknown;
  #timer: NodeJS.Timeout | undefined;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(store: TraceStore, views: ViewCache, stats: () => unknown) {
    this.#views = views;
    this.#stats = stats;
    this.#unsubscribe = store.subscribe((change) => {
      if (change.type === 'updated') {
        this.#changed.add(change.trace.id);
        this.#evicted.delete(change.trace.id);
      } else {
        this.#changed.delete(change.id);
        this.#evicted.add(change.id);
      }
      this.#schedule();
    });
    this.#heartbeat = setInterval(() => this.#broadcast(': ping\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Take over a `GET /api/dev/events` response. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    res.write(event('snapshot', this.#views.summaries()));
    res.write(event('stats', this.#stats()));
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  /** Push pending changes now (also what the timer does). */
  flush(): void {
    this.#timer = undefined;
    let out = '';
    for (const id of this.#evicted) out += event('evicted', { id });
    for (const id of this.#changed) {
      const summary = this.#views.summary(id);
      if (summary) out += event('trace', summary);
    }
    this.#changed.clear();
    this.#evicted.clear();
    out += event('stats', this.#stats());
    this.#broadcast(out);
  }

  /** Stats changed without a trace changing (e.g. a rejected request). */
  notify(): void {
    this.#schedule();
  }

  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    this.#unsubscribe();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #schedule(): void {
    if (this.#clients.size === 0) {
      // Nobody watches: a client that connects later starts from a snapshot anyway.
      this.#changed.clear();
      this.#evicted.clear();
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) res.write(text);
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
