/** Why a request was refused before its body was looked at. */
export interface Refusal {
  status: number;
  message: string;
}

/** `Basic base64(publicKey:secretKey)`. */
export function basicAuthorization(publicKey: string, secretKey: string): string {
  return `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString('base64')}`;
}

/**
 * Check an `authorization` header like Langfuse's public API does: Basic with the project keys only.
 * Returns `undefined` when the request may proceed.
 */
export function checkAuthorization(
  header: string | undefined,
  expected: string,
  publicKey: string,
  secretKey: string,
): Refusal | undefined {
  // Fast path: the exact header a client built with basicAuthorization().
  if (header === expected) return undefined;
  if (!header) return { status: 401, message: 'Missing authorization header' };
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (scheme === 'bearer') {
    return { status: 403, message: 'Bearer auth is not accepted here: use Basic auth with publicKey:secretKey' };
  }
  if (scheme !== 'basic' || space === -1) {
    return { status: 401, message: 'Unsupported authorization scheme: use Basic auth with publicKey:secretKey' };
  }
  const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon !== -1 && decoded.slice(0, colon) === publicKey && decoded.slice(colon + 1) === secretKey) {
    return undefined;
  }
  return { status: 401, message: 'Invalid credentials: wrong public key or secret key' };
}
