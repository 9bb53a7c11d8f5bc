import net from 'node:net';

/**
 * Where a scripted cut happens:
 * - `request-body`: the request's headers and half its body reach the server, then both
 *   sockets are reset. The server never got a whole request, so it stored nothing.
 * - `response-body`: the whole request reaches the server (which stores it and answers),
 *   the client gets the response headers and part of the body, then its socket is reset.
 *   The answer is lost: a retry is a duplicate on the wire, which Langfuse dedups by id.
 */
export type CutMode = 'request-body' | 'response-body';

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point fusewire here instead of at the server. */
  readonly url: string;
  /** Cut the next `n` requests (in arrival order) with `mode`. */
  cut(n: number, mode: CutMode): void;
  /** Cuts done so far, by mode. */
  readonly done: Record<CutMode, number>;
  close(): Promise<void>;
}

interface Head {
  headerEnd: number;
  contentLength: number;
}

/** Finds the end of an HTTP/1.1 head and its Content-Length (undici sends string bodies with one). */
function parseHead(buf: Buffer): Head | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return { headerEnd: end + 4, contentLength: match ? Number(match[1]) : 0 };
}

/**
 * A TCP proxy on 127.0.0.1 in front of the test server that can reset a connection in the
 * middle of a request body or a response body: faults the server's own script cannot make
 * (its `reset` rule acts only after reading the whole body, and never after answering).
 * Requests on one connection are parsed in sequence (Content-Length framing).
 */
export async function startFaultProxy(target: { port: number; host?: string }): Promise<FaultProxy> {
  const queue: CutMode[] = [];
  const done: Record<CutMode, number> = { 'request-body': 0, 'response-body': 0 };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());

    // Client → server: parse requests one after another.
    let reqBuf = Buffer.alloc(0);
    let reqHead: Head | undefined;
    let reqMode: CutMode | undefined;
    let cutNextResponse = false;
    client.on('data', (chunk: Buffer) => {
      reqBuf = Buffer.concat([reqBuf, chunk]);
      for (;;) {
        if (reqHead === undefined) {
          reqHead = parseHead(reqBuf);
          if (reqHead === undefined) return; // wait for the whole head
          reqMode = queue.shift();
        }
        const total = reqHead.headerEnd + reqHead.contentLength;
        if (reqMode === 'request-body') {
          const half = reqHead.headerEnd + Math.floor(reqHead.contentLength / 2);
          if (reqBuf.length < half) return;
          upstream.write(reqBuf.subarray(0, half), () => {
            done['request-body']++;
            kill();
          });
          reqBuf = Buffer.alloc(0);
          return;
        }
        if (reqBuf.length < total) return;
        if (reqMode === 'response-body') cutNextResponse = true;
        upstream.write(reqBuf.subarray(0, total));
        reqBuf = reqBuf.subarray(total);
        reqHead = undefined;
        reqMode = undefined;
      }
    });

    // Server → client: pass through, except a response marked to be cut mid-body.
    let resBuf = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      if (!cutNextResponse) {
        client.write(chunk);
        return;
      }
      resBuf = Buffer.concat([resBuf, chunk]);
      const head = parseHead(resBuf);
      if (head === undefined) return;
      // Less than the whole response: half the body, or half the head when there is no body.
      const cutAt =
        head.contentLength > 0 ? head.headerEnd + Math.floor(head.contentLength / 2) : Math.floor(head.headerEnd / 2);
      if (resBuf.length < cutAt) return;
      const partial = resBuf.subarray(0, cutAt);
      cutNextResponse = false;
      resBuf = Buffer.alloc(0);
      client.write(partial, () => {
        done['response-body']++;
        kill();
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut(n, mode) {
      for (let i = 0; i < n; i++) queue.push(mode);
    },
    done,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
