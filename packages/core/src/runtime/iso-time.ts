/**
 * `new Date(ms).toISOString()` without the Date: export formats thousands of timestamps per
 * batch, nearly all within the same second, and the formatter is slow. The date-and-seconds
 * prefix is computed once per second; the milliseconds are appended by hand.
 */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function isoTime(ms: number): string {
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    // Years outside 0000–9999 use an extended format: do not cache those.
    if (iso.length !== 24) return new Date(whole).toISOString();
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 19);
  }
  const milli = whole - second * 1000;
  return `${cachedPrefix}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
