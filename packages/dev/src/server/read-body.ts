import type { IncomingMessage } from 'node:http';

/** A request body as read off the socket, or a note that it was too large (the rest was drained, not kept). */
export type RawBody = { ok: true; buffer: Buffer } | { ok: false; bytes: number };

/**
 * Read the whole body up to `limit` bytes. Past the limit the rest is drained and dropped, so the
 * client finishes sending and reads the 413 instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<RawBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(bytes > limit ? { ok: false, bytes } : { ok: true, buffer: Buffer.concat(chunks) }));
    req.on('error', () => resolve({ ok: false, bytes }));
  });
}
