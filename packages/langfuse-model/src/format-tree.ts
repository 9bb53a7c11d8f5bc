import type { TraceNode, TraceView } from './types.js';

const PREVIEW = 80;

function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW - 1)}…` : text;
}

/** `0.4 ms`, `120 ms`, `1.25 s`. */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function usageText(usage: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(usage)) {
    if (typeof value === 'number') parts.push(`${key}:${value}`);
    if (parts.length === 4) break;
  }
  return parts.length ? parts.join(',') : undefined;
}

function nodeLine(node: TraceNode): string {
  let line = `- [${node.type}] ${node.name || '(unnamed)'}`;
  if (node.durationMs !== undefined) line += ` (${formatDuration(node.durationMs)})`;
  if (node.model) line += ` model=${node.model}`;
  const usage = node.usage && usageText(node.usage);
  if (usage) line += ` usage=${usage}`;
  if (node.level && node.level !== 'DEFAULT') line += ` level=${node.level}`;
  if (node.statusMessage) line += ` ${preview(node.statusMessage)}`;
  return line;
}

function appendNode(lines: string[], node: TraceNode, depth: number, seen: Set<TraceNode>): void {
  if (seen.has(node)) return; // guards against parent cycles in malformed input
  seen.add(node);
  lines.push(`${'  '.repeat(depth)}${nodeLine(node)}`);
  for (const child of node.children) appendNode(lines, child, depth + 1, seen);
}

/**
 * One trace as text: a header with the trace-level fields, then its observations indented by depth.
 *
 * @example
 * ```
 * trace chat-request (4bf92f3577b34da6a3ce929d0e0e4736) user=u-1 session=s-1 tags=demo
 *   input  {"question":"What is fusewire?"}
 *   - [span] handle-request (250 ms)
 *     - [generation] chat (120 ms) model=gpt-4o usage=input:12,output:34
 *   score helpfulness = 0.9
 * ```
 */
export function formatTrace(trace: TraceView): string {
  let header = `trace ${trace.name || '(unnamed)'} (${trace.id})`;
  if (trace.userId) header += ` user=${trace.userId}`;
  if (trace.sessionId) header += ` session=${trace.sessionId}`;
  if (trace.tags?.length) header += ` tags=${trace.tags.join(',')}`;
  if (trace.environments.length > 1) header += ` env=${trace.environments.join('|')} (split)`;
  else if (trace.environment && trace.environment !== 'default') header += ` env=${trace.environment}`;
  if (trace.release) header += ` release=${trace.release}`;
  if (trace.totalCost > 0) header += ` cost=$${trace.totalCost.toPrecision(3)}`;
  const lines = [header];
  if (trace.input !== undefined) lines.push(`  input  ${preview(trace.input)}`);
  if (trace.output !== undefined) lines.push(`  output ${preview(trace.output)}`);
  const seen = new Set<TraceNode>();
  for (const root of trace.roots) appendNode(lines, root, 1, seen);
  for (const score of trace.scores) {
    const target = score.observationId ? ` (observation ${score.observationId})` : '';
    lines.push(`  score ${score.name} = ${preview(score.value)}${target}`);
  }
  return lines.join('\n');
}

/**
 * Every trace the server received, as readable text (no colours), traces separated by a blank line.
 * Accepts anything with a `traces()` method (a model, a test server's `received`) or a list of traces.
 *
 * @example
 * ```ts
 * await server.waitFor((r) => r.counts.uniqueSpans >= 3);
 * console.log(formatTree(server.received));
 * ```
 */
export function formatTree(source: { traces(): TraceView[] } | readonly TraceView[]): string {
  const traces = Array.isArray(source)
    ? (source as readonly TraceView[])
    : (source as { traces(): TraceView[] }).traces();
  if (traces.length === 0) return '(no traces received)';
  return traces.map(formatTrace).join('\n\n');
}
