import type { ExportRecord } from './seam.js';
import type { Row } from './spool-file.js';

/**
 * A record as a row: its JSON text plus the columns the CLI lists by. What only matters inside one
 * process (settled flag, hold timer) is left out, so a restart sees the record as first accepted.
 */
export function toRow(record: ExportRecord): Row {
  let source: ExportRecord = record;
  if (record.settled !== undefined || record.heldSince !== undefined) {
    const { settled: _settled, heldSince: _heldSince, ...rest } = record;
    source = rest as ExportRecord;
  }
  const json = JSON.stringify(source);
  const traceId = typeof record.traceId === 'string' ? record.traceId : null;
  const id = typeof record.id === 'string' ? record.id : traceId;
  return {
    kind: record.kind === 'observation' ? String(record.type ?? 'span') : record.kind,
    traceId,
    eventId: id,
    bytes: json.length,
    json,
  };
}
