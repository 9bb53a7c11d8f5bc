import type { DropReason, ExportRecord } from '../model/records.js';
import type { RecordMessage } from './self-telemetry.js';

/** The `fusewire.record` message for a settled record; built only when someone subscribes. */
export function recordMessage(record: ExportRecord, outcome: 'delivered' | DropReason): RecordMessage {
  if (record.kind !== 'observation') return { kind: record.kind, outcome };
  const message: RecordMessage = { kind: record.type, outcome, startTime: record.startTime };
  if (record.endTime !== undefined) message.endTime = record.endTime;
  if (record.model !== undefined) message.model = record.model;
  if (record.level !== undefined) message.level = record.level;
  if (record.completionStartTime !== undefined) message.completionStartTime = record.completionStartTime;
  const usage = parseObject(record.usageDetails);
  if (usage !== undefined) message.usageDetails = usage;
  const cost = parseObject(record.costDetails);
  if (cost !== undefined) message.costDetails = cost;
  return message;
}

// Records keep usage and cost as the JSON text they are exported as.
function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
