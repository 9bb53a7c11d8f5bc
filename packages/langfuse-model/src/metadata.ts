import type { Attributes } from './types.js';

type Metadata = Record<string, unknown>;

/**
 * A whole-metadata attribute as Langfuse reads it: a JSON object string is parsed; a JSON array
 * becomes keys `"0"`, `"1"`, …; a string that is not JSON, a JSON primitive, a number or a boolean is
 * dropped (Langfuse logs it server-side and stores nothing).
 */
export function parseMetadataValue(value: unknown): Metadata {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return parsed !== null && typeof parsed === 'object' ? { ...(parsed as Metadata) } : {};
    } catch {
      return {};
    }
  }
  if (typeof value === 'object') return { ...(value as Metadata) };
  return {};
}

/**
 * Metadata of one domain (`trace` or `observation`) from span attributes: the whole attribute
 * (`langfuse.<domain>.metadata`, else `langfuse.metadata`), then single keys set by dotted attributes
 * (`langfuse.<domain>.metadata.<key>`, values as sent, not parsed) over it.
 */
export function metadataFromAttributes(attributes: Attributes, domain: 'trace' | 'observation'): Metadata {
  const whole = `langfuse.${domain}.metadata`;
  const out = parseMetadataValue(attributes[whole] || attributes['langfuse.metadata']);
  for (const key in attributes) {
    if (!key.startsWith('langfuse.')) continue;
    if (key.startsWith(`${whole}.`) && key.length > whole.length + 1)
      out[key.slice(whole.length + 1)] = attributes[key];
    else if (key.startsWith('langfuse.metadata.') && key.length > 18) out[key.slice(18)] = attributes[key];
  }
  return out;
}

/** Undefined for an empty object, so "no metadata" reads the same whichever way it was sent. */
export function nonEmpty(metadata: Metadata | undefined): Metadata | undefined {
  return metadata !== undefined && Object.keys(metadata).length > 0 ? metadata : undefined;
}
