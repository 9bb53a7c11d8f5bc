/**
 * The few protobuf wire-format primitives an OTLP trace request needs, written straight into one
 * growing Buffer: varints, length-delimited fields, fixed64 and doubles. A generic protobuf library
 * would build a message object per span and attribute and then walk it again; OTLP's shape is fixed,
 * so the span encoder writes each field once, in place. Lengths that are not known up front are
 * reserved and the content moved when the guess was wrong (one copy of one span at most).
 */
export class ProtoWriter {
  buf: Buffer;
  pos: number;

  /** `headroom` bytes stay free at the start for a prefix written last (see {@link prefixAt}). */
  constructor(capacity: number, headroom = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(256, capacity + headroom));
    this.pos = headroom;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** An unsigned varint below 2^32 (every length and enum OTLP needs). */
  varint(n: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (n > 127) {
      buf[pos++] = (n & 127) | 128;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 64) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    // Keys and small fields: a copy loop beats the native set() call for a few dozen bytes.
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = bytes[i] as number;
    this.pos = pos;
  }

  /** A string's UTF-8, no length; returns the bytes written. */
  utf8(s: string): number {
    const n = s.length;
    this.ensure(n * 3);
    const buf = this.buf;
    const start = this.pos;
    // Short ASCII strings (names, keys, ids) are cheaper copied here than through the native call.
    if (n < 48) {
      let pos = start;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) {
          this.pos = start + buf.write(s, start, 'utf8');
          return this.pos - start;
        }
        buf[pos++] = c;
      }
      this.pos = pos;
      return n;
    }
    const written = buf.write(s, start, 'utf8');
    this.pos = start + written;
    return written;
  }

  /** A length-delimited string field: `tag`, length, UTF-8. */
  string(tag: number, s: string): void {
    this.byte(tag);
    this.stringBody(s);
  }

  /** A string's length and UTF-8 (the tag already written). */
  stringBody(s: string): void {
    const n = s.length;
    if (n < 43) {
      // At most 126 bytes: the length fits one byte whatever the characters.
      this.ensure(1 + n * 3);
      const at = this.pos++;
      const written = this.utf8(s);
      this.buf[at] = written;
      return;
    }
    this.varint(Buffer.byteLength(s, 'utf8'));
    this.utf8(s);
  }

  /** Hex text as bytes (trace and span ids); returns the bytes written (fewer if `s` is not all hex). */
  hex(s: string): number {
    const n = s.length >>> 1;
    this.ensure(n);
    // Ids are 8 or 16 bytes: decoded here, as Buffer's hex decoding would (stop at the first non-hex pair).
    const buf = this.buf;
    const start = this.pos;
    let i = 0;
    for (; i < n; i++) {
      const high = HEX_VALUE[s.charCodeAt(2 * i)] ?? 255;
      const low = HEX_VALUE[s.charCodeAt(2 * i + 1)] ?? 255;
      if ((high | low) === 255) break;
      buf[start + i] = (high << 4) | low;
    }
    this.pos = start + i;
    return i;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /**
   * Epoch milliseconds (with a fraction) as fixed64 nanoseconds, without BigInt: the same rounding
   * as the JSON encoder's `toNanos`. ms·10^6 exceeds 2^53, so the product is built from 16-bit halves.
   */
  nanos(ms: number): void {
    let whole = Math.floor(ms);
    let fraction = Math.round((ms - whole) * 1e6);
    if (fraction >= 1e6) {
      whole += 1;
      fraction = 0;
    }
    const high = Math.floor(whole / 65536) * 1e6; // exact: < 2^53
    const low = (whole % 65536) * 1e6 + fraction;
    // nanos = high·2^16 + low = (high >> 16)·2^32 + ((high & 0xffff)·2^16 + low)
    const mid = (high % 65536) * 65536 + low;
    const lo = mid % 4294967296;
    const hi = Math.floor(high / 65536) + Math.floor(mid / 4294967296);
    // What writeUInt32LE refused before: a time before 1970 or past fixed64 is not a time to send.
    if (!(lo >= 0 && hi >= 0 && hi < 4294967296)) throw new RangeError(`time out of range: ${ms}`);
    this.ensure(8);
    const buf = this.buf;
    const at = this.pos;
    buf[at] = lo;
    buf[at + 1] = lo >>> 8;
    buf[at + 2] = lo >>> 16;
    buf[at + 3] = lo >>> 24;
    buf[at + 4] = hi;
    buf[at + 5] = hi >>> 8;
    buf[at + 6] = hi >>> 16;
    buf[at + 7] = hi >>> 24;
    this.pos = at + 8;
  }

  /** Starts a length-delimited field whose length is not known yet; returns a mark for {@link close}. */
  open(tag: number): number {
    this.byte(tag);
    this.ensure(RESERVED);
    const mark = this.pos;
    this.pos += RESERVED;
    return mark;
  }

  /** Writes the length of the field opened at `mark`, moving its content if the length needs other than the reserved bytes. */
  close(mark: number): void {
    const length = this.pos - mark - RESERVED;
    const size = varintSize(length);
    if (size !== RESERVED) {
      this.ensure(size - RESERVED);
      this.buf.copyWithin(mark + size, mark + RESERVED, this.pos);
      this.pos += size - RESERVED;
    }
    let n = length;
    let at = mark;
    while (n > 127) {
      this.buf[at++] = (n & 127) | 128;
      n >>>= 7;
    }
    this.buf[at] = n;
  }

  /**
   * Writes `prefix` so that it ends where the content written after the headroom starts, and returns
   * the whole message (prefix and content) without copying it.
   */
  prefixAt(contentStart: number, prefix: Uint8Array): Buffer {
    const start = contentStart - prefix.length;
    if (start < 0) throw new Error('protobuf prefix larger than the headroom');
    this.buf.set(prefix, start);
    return this.buf.subarray(start, this.pos);
  }
}

// A character code's value as a hex digit, 255 for anything else (Uint8Array stores the bytes' low 8 bits).
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let c = 0; c < 10; c++) HEX_VALUE[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[97 + c] = 10 + c;
  HEX_VALUE[65 + c] = 10 + c;
}

// Most spans are 128 bytes to 16 KB long: two bytes of length.
const RESERVED = 2;

/** Writes `n` as a varint of exactly `size` bytes at `at` (the caller knows the size is `n`'s own). */
export function varintAt(buf: Buffer, at: number, n: number, size: number): void {
  for (let i = 1; i < size; i++) {
    buf[at++] = (n & 127) | 128;
    n >>>= 7;
  }
  buf[at] = n;
}

export function varintSize(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : n < 268435456 ? 4 : 5;
}

/** A varint as bytes (for prefixes built once). */
export function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
