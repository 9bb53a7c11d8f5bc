import type { IncomingMessage } from 'node:http';

/** A request body as read off the socket. */
export interface RawBody {
  /** The body, or an empty buffer when it exceeded the limit. */
  buffer: Buffer;
  /** Bytes received on the wire. */
  bytes: number;
  tooLarge: boolean;
}

const EMPTY = Buffer.alloc(0);

/**
 * Read the whole body. Past `limit` bytes the rest is drained and dropped (not buffered) so the
 * client can finish sending and read the 413 instead of seeing a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (tooLarge) return;
      if (bytes > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const buffer = tooLarge ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
      resolve({ buffer, bytes, tooLarge });
    });
    req.on('error', reject);
  });
}
