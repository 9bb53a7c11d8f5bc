// `--cpu-prof` → results-profile.md: where fusewire's children spent their CPU, by file and by
// function (self time), so the README can say what explains the remaining cost. Reads V8's
// .cpuprofile (nodes with call frames, samples and the time between them).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TOP_FILES = 15;
const TOP_FUNCTIONS = 20;
const IDLE = new Set(['(idle)']);

/** A call frame's file, short and stable: the package-relative path, or V8's pseudo-frame name. */
function fileOf(frame) {
  const url = frame.url || '';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const pkg = path.search(/\/(packages|test)\//);
  if (pkg >= 0) return path.slice(pkg + 1);
  return path.startsWith('node:') ? path : path.split('/').slice(-2).join('/');
}

/** Self time per call-frame node, in µs, from samples and timeDeltas. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  // timeDeltas[i] is the time from sample i-1 to sample i: charge it to sample i-1's node.
  for (let i = 1; i < samples.length; i++) {
    const id = samples[i - 1];
    self.set(id, (self.get(id) ?? 0) + Math.max(0, timeDeltas[i] ?? 0));
  }
  const out = [];
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    out.push({ frame: node.callFrame, us });
  }
  return out;
}

/** One profile's summary: busy time (idle excluded), top files and top functions by self time. */
export function summarise(profile) {
  const entries = selfTimes(profile).filter((e) => !IDLE.has(e.frame.functionName));
  const busy = entries.reduce((sum, e) => sum + e.us, 0);
  const files = new Map();
  const functions = new Map();
  for (const e of entries) {
    const file = fileOf(e.frame);
    files.set(file, (files.get(file) ?? 0) + e.us);
    const key = `${e.frame.functionName || '(anonymous)'} — ${file}:${e.frame.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + e.us);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, us, share: busy > 0 ? us / busy : 0 }));
  return { busyUs: busy, files: top(files, TOP_FILES), functions: top(functions, TOP_FUNCTIONS) };
}

const ms = (us) => `${(us / 1000).toFixed(1)} ms`;
const share = (x) => `${(x * 100).toFixed(1)}%`;
const cell = (s) => String(s).replaceAll('|', '\\|');

/** Markdown for the profiles in `dir` written since `since` (ms) whose name matches `include`. */
export function profileReport(dir, since, include = /fusewire/) {
  let names;
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && include.test(f));
  } catch {
    return undefined;
  }
  const fresh = names.filter((f) => statSync(join(dir, f)).mtimeMs >= since).sort();
  if (fresh.length === 0) return undefined;
  const parts = [
    `## CPU profiles of fusewire's children

From \`node run.mjs --cpu-prof\`: V8's sampling profiler in each fusewire child (profiling slows the run; read
shares, not absolute times). *Self time* is time in the function itself, not its callees; idle time is left out,
so shares are of the process's busy time (the client's work plus the bench's own loop creating traces).
\`(garbage collector)\` is GC, \`(program)\` is V8/native work outside JavaScript.`,
  ];
  for (const f of fresh) {
    const s = summarise(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    const label = f.replace(/-\d+\.cpuprofile$/, '');
    parts.push(`### ${label}

Busy time sampled: ${ms(s.busyUs)}.

| file | self time | share |
|---|---|---|
${s.files.map((x) => `| ${cell(x.name)} | ${ms(x.us)} | ${share(x.share)} |`).join('\n')}

| function — file:line | self time | share |
|---|---|---|
${s.functions.map((x) => `| ${cell(x.name)} | ${ms(x.us)} | ${share(x.share)} |`).join('\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}
