import type { AttributeValue, Attributes } from './types.js';

/**
 * Decode an OTLP/JSON `AnyValue` into a plain value. `intValue` arrives as a string (int64) and becomes
 * a number; `kvlistValue` becomes an object; anything unrecognised becomes `null`.
 */
export function decodeAnyValue(value: any): AttributeValue {
  if (value === null || typeof value !== 'object') return null;
  if (value.stringValue !== undefined) return String(value.stringValue);
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.boolValue !== undefined) return value.boolValue === true || value.boolValue === 'true';
  if (value.arrayValue !== undefined) {
    const values = value.arrayValue?.values;
    return Array.isArray(values) ? values.map(decodeAnyValue) : [];
  }
  if (value.kvlistValue !== undefined) return decodeKeyValues(value.kvlistValue?.values);
  if (value.bytesValue !== undefined) return String(value.bytesValue);
  return null;
}

/** Decode an OTLP key/value list into a record; entries without a string key are skipped. */
export function decodeKeyValues(list: unknown): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    if (entry !== null && typeof entry === 'object' && typeof entry.key === 'string') {
      out[entry.key] = decodeAnyValue(entry.value);
    }
  }
  return out;
}
