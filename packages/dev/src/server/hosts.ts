const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Bound to loopback, the server answers only requests addressed to a loopback name (DNS-rebinding
 * defence); bound elsewhere, the user chose to be reachable and any Host is fine.
 */
export function trustedHost(header: string | undefined, boundHost: string, port: number): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  if (header === undefined) return true; // HTTP/1.0 clients; browsers always send Host
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
  const hostPort = header.slice(name.length + 1);
  return isLoopbackHost(name.toLowerCase()) && (hostPort === '' || hostPort === String(port));
}
