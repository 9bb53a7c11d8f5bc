/**
 * Reads at most `maxBytes` of a response body, then stops. Leaving the loop early destroys the
 * stream (undici closes that connection), so an endless or huge body never grows memory: what is
 * past the cap is never buffered.
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  encoding: 'utf8' | 'latin1' = 'utf8',
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = maxBytes - size;
    if (chunk.byteLength >= room) {
      chunks.push(chunk.subarray(0, room));
      break;
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  // latin1 keeps a binary (protobuf) answer byte for byte: one char per byte.
  return Buffer.concat(chunks).toString(encoding);
}

const BASE_BYTES = 4096;
const BYTES_PER_EVENT = 256;
const MAX_BYTES = 1 << 20;

/**
 * How much of an answer is worth reading: a few KB, plus room for one per-event entry of a 207 for
 * each event sent (an id and a status, or a short error), never more than 1 MiB.
 */
export function answerCap(eventCount: number): number {
  return Math.min(MAX_BYTES, BASE_BYTES + BYTES_PER_EVENT * eventCount);
}
