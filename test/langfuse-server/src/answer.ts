import type { ServerResponse } from 'node:http';

/** What to send back; built by the handlers, written by {@link sendAnswer}. */
export interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  /** The reason, for whole-request failures (recorded on the request). */
  message?: string;
}

/** A JSON answer. */
export function jsonAnswer(status: number, value: unknown): Answer {
  return { status, body: JSON.stringify(value), contentType: 'application/json' };
}

/** A JSON `{message}` failure answer. */
export function failure(status: number, message: string): Answer {
  return { status, body: JSON.stringify({ message }), contentType: 'application/json', message };
}

/** Write the answer unless the socket is already gone (stopped server, client gave up). */
export function sendAnswer(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.socket?.destroyed) return;
  res.writeHead(answer.status, {
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
    ...answer.headers,
  });
  res.end(answer.body);
}
