// The store seam, from @fusewire/core. The record type is read off the interface: core exports
// the seam, not its record internals, and the spool treats a record as JSON-safe data anyway.
import type { EventStore } from '@fusewire/core';

export type { EventStore, StoreOutcome, StoreRefusal, StoreStats } from '@fusewire/core';
export type ExportRecord = Parameters<EventStore['append']>[0][number];
export type ObservationRecord = Extract<ExportRecord, { kind: 'observation' }>;
