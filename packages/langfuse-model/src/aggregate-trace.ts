import type { TraceRecord } from './ingestion-rows.js';
import { nonEmpty, parseMetadataValue } from './metadata.js';
import type { ObservationRow, ScoreView, TraceNode, TraceView } from './types.js';

const isRootRow = (row: ObservationRow) => row.parentId === undefined;

/** The value of the latest row (highest seq) for which `pick` gives a non-empty value. */
function latest<T>(rows: readonly ObservationRow[], pick: (row: ObservationRow) => T | undefined): T | undefined {
  let best: ObservationRow | undefined;
  let value: T | undefined;
  for (const row of rows) {
    const v = pick(row);
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (best === undefined || row.seq > best.seq) {
      best = row;
      value = v;
    }
  }
  return value;
}

function byStart(a: TraceNode, b: TraceNode): number {
  return (a.startTime ?? Number.POSITIVE_INFINITY) - (b.startTime ?? Number.POSITIVE_INFINITY);
}

/** Observation rows as a tree: a node whose parent never arrived (a remote parent) is a root. */
export function buildTree(rows: readonly ObservationRow[]): { roots: TraceNode[]; observations: TraceNode[] } {
  const nodes = new Map<string, TraceNode>();
  for (const row of rows) nodes.set(row.id, { ...row, children: [] });
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId === undefined ? undefined : nodes.get(node.parentId);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  roots.sort(byStart);
  for (const node of nodes.values()) node.children.sort(byStart);
  return { roots, observations: [...nodes.values()] };
}

/** Trace fields as v4 aggregates them over the rows (PROTOCOL §3; Langfuse's events-table trace query). */
function aggregateRows(view: TraceView, rows: readonly ObservationRow[]): void {
  const name =
    latest(rows, (r) => r.traceName) ?? latest(rows, (r) => (isRootRow(r) || r.isAppRoot ? r.name : undefined));
  if (name !== undefined) view.name = name;
  const starts = rows.map((r) => r.startTime).filter((t): t is number => t !== undefined);
  if (starts.length > 0) view.timestamp = Math.min(...starts);
  const environment = latest(rows, (r) => r.environment);
  if (environment !== undefined) view.environment = environment;
  for (const key of ['release', 'version', 'userId', 'sessionId'] as const) {
    const value = latest(rows, (r) => r[key]);
    if (value !== undefined) view[key] = value;
  }
  const tags = latest(rows, (r) => r.tags);
  if (tags !== undefined) view.tags = [...tags];
  // Input, output and metadata: the latest root row's, even when that copy has none.
  const root = rows
    .filter(isRootRow)
    .reduce<ObservationRow | undefined>((a, r) => (!a || r.seq > a.seq ? r : a), undefined);
  if (root?.input !== undefined) view.input = root.input;
  if (root?.output !== undefined) view.output = root.output;
  if (root?.metadata !== undefined) view.metadata = { ...root.metadata };
  view.public = rows.some((r) => r.public);
}

/** Fields of a batch-API trace record override the aggregation (the v3 traces table holds them). */
function applyRecord(view: TraceView, record: TraceRecord): void {
  const f = record.fields;
  for (const key of ['name', 'userId', 'sessionId', 'environment', 'release', 'version'] as const) {
    if (typeof f[key] === 'string') view[key] = f[key];
  }
  if ('input' in f) view.input = f.input;
  if ('output' in f) view.output = f.output;
  if (Array.isArray(f.tags)) view.tags = f.tags.map(String);
  if (typeof f.public === 'boolean') view.public = f.public || view.public;
  const metadata = nonEmpty(parseMetadataValue(f.metadata));
  if (metadata) view.metadata = metadata;
  if (record.timestamp !== undefined && (view.timestamp === undefined || record.timestamp < view.timestamp)) {
    view.timestamp = record.timestamp;
  }
}

/** One trace as Langfuse v4 shows it, from its rows (and, for the batch API, its trace record). */
export function aggregateTrace(
  id: string,
  rows: readonly ObservationRow[],
  record: TraceRecord | undefined,
  scores: readonly ScoreView[],
): TraceView {
  const tree = buildTree(rows);
  const view: TraceView = {
    id,
    environments: [...new Set(rows.map((r) => r.environment))],
    public: false,
    totalCost: rows.reduce((sum, r) => sum + r.totalCost, 0),
    roots: tree.roots,
    observations: tree.observations,
    scores: [...scores],
    sources: [],
  };
  aggregateRows(view, rows);
  if (record) applyRecord(view, record);
  if (rows.some((r) => r.source === 'otlp')) view.sources.push('otlp');
  if (record || rows.some((r) => r.source === 'ingestion')) view.sources.push('ingestion');
  if (view.environments.length === 0 && view.environment !== undefined) view.environments.push(view.environment);
  return view;
}
