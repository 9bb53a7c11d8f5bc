import { subscribe } from 'node:diagnostics_channel';
import { Socket } from 'node:net';

/**
 * Ends of responses that Node's HTTP server made, heard without a listener on the response:
 * Node publishes every request's start and every response's finish on diagnostics channels
 * (`http.server.request.start`, `http.server.response.finish`), and an aborted request shows as
 * its socket closing first. A `close` listener added to the response per request cost ~1 µs in a
 * hello world (Express gives every response a map of its own, so each lookup on it misses); one
 * `close` listener per connection and two channel subscriptions per process cost a few ns per
 * request.
 */

/** What the middleware does when the response is done: `aborted` when the socket closed first. */
export interface ServerEnding {
  readonly res: object;
  end(aborted: boolean): void;
}

/** On a socket: the ending of the response it is serving (null between requests; absent: not watched). */
const SERVING = Symbol('fusewire.express.serving');

type WatchedSocket = Socket & { [SERVING]?: ServerEnding | null };

let subscribed: boolean | undefined;
/** The response of the request the server started last: only such a response is ended from here. */
let lastStarted: unknown;

function onRequestStart(message: unknown): void {
  lastStarted = (message as { response?: unknown } | null)?.response;
}

function onResponseFinish(message: unknown): void {
  try {
    const { socket, response } = message as { socket?: WatchedSocket; response?: unknown };
    if (lastStarted === response) lastStarted = undefined; // nothing of a done request is kept
    const ending = socket?.[SERVING];
    if (ending === undefined || ending === null || ending.res !== response) return;
    socket![SERVING] = null;
    ending.end(false);
  } catch {
    // Never into Node's HTTP code.
  }
}

/** The client went away (or the app destroyed the socket) before the response finished. */
function onSocketClose(this: WatchedSocket): void {
  try {
    const ending = this[SERVING];
    if (ending === undefined || ending === null) return;
    this[SERVING] = null;
    ending.end(true);
  } catch {
    // Never into Node's socket code.
  }
}

/** Subscribes once per copy of the adapter; false where the channels cannot be subscribed to. */
export function listenToServers(): boolean {
  if (subscribed === undefined) {
    try {
      subscribe('http.server.request.start', onRequestStart);
      subscribe('http.server.response.finish', onResponseFinish);
      subscribed = true;
    } catch {
      subscribed = false;
    }
  }
  return subscribed;
}

/**
 * Has `ending.end` called when the response finishes or its socket closes first, if a server made
 * the response and it is the one its socket is serving now. False otherwise (a response built
 * without a server, HTTP/2, a pipelined response still waiting for its socket, or a middleware
 * that ran after another request started): the caller listens on the response itself.
 */
export function endFromServer(res: object, ending: ServerEnding): boolean {
  if (res !== lastStarted || subscribed !== true) return false;
  const socket = (res as { socket?: unknown }).socket;
  if (!(socket instanceof Socket)) return false;
  const watched = socket as WatchedSocket;
  const serving = watched[SERVING];
  if (serving === undefined) {
    watched.on('close', onSocketClose);
  } else if (serving !== null) {
    return false; // the socket still serves another traced response (this one is not assigned yet)
  }
  watched[SERVING] = ending;
  return true;
}
