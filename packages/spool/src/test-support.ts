import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FusewireLogger } from '@fusewire/core';
import { resolveSpoolOptions, type SqliteSpoolOptions } from './options.js';
import type { ExportRecord, ObservationRecord } from './seam.js';
import { SqliteSpool } from './sqlite-spool.js';

let n = 0;

/** A span record with a unique id (16 hex) in a trace of its own unless given. */
export function span(traceId?: string, extra: Partial<ObservationRecord> = {}): ObservationRecord {
  n++;
  const id = n.toString(16).padStart(16, '0');
  return {
    kind: 'observation',
    type: 'span',
    raw: 0,
    traceId: traceId ?? n.toString(16).padStart(32, '0'),
    id,
    name: `span-${n}`,
    startTime: 1_700_000_000_000 + n,
    endTime: 1_700_000_000_100 + n,
    bytes: 200,
    epoch: 0,
    ...extra,
  };
}

export function tempDir(): { dir: string; path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fusewire-spool-'));
  return { dir, path: join(dir, 'spool.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CapturedLog extends FusewireLogger {
  lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }>;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  };
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export function openSpool(options: SqliteSpoolOptions, clock?: () => number): SqliteSpool {
  return new SqliteSpool(resolveSpoolOptions({ logger: captureLog(), ...options }), clock);
}

/** The ids of records, in order. */
export function ids(records: ExportRecord[]): string[] {
  return records.map((r) => (r.kind === 'trace' ? r.traceId : r.id));
}
