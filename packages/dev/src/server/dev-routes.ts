import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceStore } from '../store/trace-store.js';
import type { UiFile } from '../ui-files.js';
import type { ViewCache } from '../view/view-cache.js';
import { CONTENT_SECURITY_POLICY, sendJson, sendText } from './http-answers.js';
import type { SseFeed } from './sse-feed.js';

export interface DevRouteContext {
  store: TraceStore;
  views: ViewCache;
  feed: SseFeed;
  ui: Map<string, UiFile>;
  stats(): unknown;
}

function sendUi(res: ServerResponse, file: UiFile): void {
  res.writeHead(200, {
    'content-type': file.contentType,
    'cache-control': 'no-cache',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(file.body);
}

/**
 * The page and its API: `GET /` (the page), `/ui/<file>`, `GET /api/dev/traces` (summaries, newest
 * first), `GET /api/dev/traces/<id>` (one trace as Langfuse v4 shows it), `DELETE /api/dev/traces`,
 * `GET /api/dev/events` (the SSE feed), `GET /api/dev/stats`. Returns false when the path is not one.
 */
export function handleDevRoute(ctx: DevRouteContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const method = req.method ?? 'GET';
  if (method === 'GET' && (path === '/' || path === '/index.html')) {
    const page = ctx.ui.get('index.html');
    if (page) sendUi(res, page);
    else sendText(res, 500, 'the page files are missing from this install of @fusewire/dev');
    return true;
  }
  if (method === 'GET' && path.startsWith('/ui/')) {
    const file = ctx.ui.get(path.slice(4));
    if (file) sendUi(res, file);
    else sendText(res, 404, 'Not found');
    return true;
  }
  if (!path.startsWith('/api/dev/')) return false;
  if (method === 'GET' && path === '/api/dev/events') {
    ctx.feed.attach(res);
    return true;
  }
  if (method === 'GET' && path === '/api/dev/stats') {
    sendJson(res, 200, ctx.stats());
    return true;
  }
  if (path === '/api/dev/traces') {
    if (method === 'GET') sendJson(res, 200, ctx.views.summaries());
    else if (method === 'DELETE') {
      ctx.store.clear();
      sendJson(res, 200, { cleared: true });
    } else sendJson(res, 405, { message: 'Method not allowed' });
    return true;
  }
  const match = /^\/api\/dev\/traces\/([^/]+)$/.exec(path);
  if (method === 'GET' && match) {
    const trace = ctx.views.trace(safeDecode(match[1]!));
    if (trace) sendJson(res, 200, trace);
    else sendJson(res, 404, { message: 'No such trace (it may have been evicted: the server keeps the latest ones)' });
    return true;
  }
  sendJson(res, 404, { message: 'Not found' });
  return true;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
