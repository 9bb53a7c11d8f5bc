import type { ExportRecord } from './seam.js';
import type { Row } from './spool-file.js';

/**
 * A record as a row: its JSON text plus the columns the CLI lists by. What only matters inside one
 * process (settled flag, hold timer) is left out, so a restart sees the record as first accepted.
 */
export function toRow(record: ExportRecord): Row {
  let source: object = record;
  const flags = record as { settled?: unknown; heldSince?: unknown };
  if (flags.settled !== undefined || flags.heldSince !== undefined) {
    const { settled: _settled, heldSince: _heldSince, ...rest } = flags;
    source = rest;
  }
  const json = JSON.stringify(source);
  const traceId = record.traceId ?? null;
  const eventId = record.kind === 'trace' ? record.traceId : record.id;
  const kind = record.kind === 'observation' ? record.type : record.kind;
  return { kind, traceId, eventId, bytes: json.length, json };
}
