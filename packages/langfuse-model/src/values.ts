/** Integer nanoseconds (decimal string) as a BigInt; undefined for 0 or junk. */
export function nanosOf(value: string): bigint | undefined {
  try {
    const n = BigInt(value);
    return n > 0n ? n : undefined;
  } catch {
    const n = Number(value);
    return n > 0 ? BigInt(Math.round(n)) : undefined;
  }
}

/** Nanoseconds to milliseconds, exact to the microsecond (a double cannot hold epoch nanos). */
export function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}

export function isoToMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Attribute values holding JSON are sent as strings; Langfuse shows the parsed value when it parses. */
export function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
