// `--cpu-prof` → results-profile.md: where fusewire's children spent their CPU, by file and by
// function (self time), so the README can say what explains the remaining cost. Reads V8's
// .cpuprofile (nodes with call frames, samples and the time between them).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOP_FILES = 15;
const TOP_FUNCTIONS = 20;
const IDLE = new Set(['(idle)']);

// fusewire's packages are bundled (one dist/index.js each): their source maps give back the .ts file.
const maps = new Map();
function sourceMapFor(path) {
  if (!maps.has(path)) {
    let map;
    const file = `${path}.map`;
    if (path.includes('/packages/') && existsSync(file)) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(file, 'utf8')));
      } catch {}
    }
    maps.set(path, map);
  }
  return maps.get(path);
}

/** The original source file (packages/…/src/….ts) of a bundled frame, when a source map has it. */
function originalFile(path, frame) {
  const map = sourceMapFor(path);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry?.originalSource) return undefined;
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : resolve(dirname(path), entry.originalSource);
  return { source, line: entry.originalLine + 1 };
}

/** A call frame's file, short and stable: the package-relative path, or V8's pseudo-frame name. */
export function fileOf(frame) {
  const url = frame.url || '';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const original = originalFile(path, frame);
  if (original) path = original.source;
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const pkg = path.search(/\/(packages|test)\//);
  if (pkg >= 0) return path.slice(pkg + 1);
  return path.startsWith('node:') ? path : path.split('/').slice(-2).join('/');
}

/** A coarse area for a file: a fusewire layer (core/pipeline, core/export/otlp…) or a kind of other work. */
export function areaOf(file) {
  const fw = file.match(/^packages\/([^/]+)\/src\/(export\/[^/]+|[^/]+)\//);
  if (fw) return `fusewire ${fw[1]}/${fw[2].replace(/\.ts$/, '')}`;
  if (/^packages\/[^/]+\/src\/[^/]+\.ts$/.test(file)) return `fusewire ${file.split('/')[1]}`;
  if (file === '(garbage collector)') return 'garbage collection';
  if (/undici|^wasm\/|^node:(_http|http|net|internal\/(http|net|stream|streams|dns))/.test(file))
    return 'HTTP (undici + its llhttp wasm, node:http, net)';
  if (/^node:(buffer|internal\/buffer|internal\/crypto)/.test(file)) return 'Node: Buffer, crypto';
  const async =
    /^node:(events|timers|async_hooks|internal\/(timers|async_hooks|abort_controller|event_target|linkedlist))/;
  if (async.test(file) || /^node:internal\/process\/(task_queues|promises)/.test(file))
    return 'Node: timers, events, promises, async hooks';
  if (/zlib/.test(file)) return 'zlib';
  if (/^zod\//.test(file)) return 'zod (validation)';
  if (/^node:internal\/(modules|bootstrap|main)|^node:(path|fs|internal\/url|internal\/fs)/.test(file))
    return 'Node: start-up, modules, fs';
  if (file.startsWith('test/bench/')) return 'bench (creating traces, IPC)';
  if (file.startsWith('@opentelemetry/') || file.startsWith('@langfuse/') || file.startsWith('langfuse'))
    return 'peer SDK';
  return file.startsWith('(') ? file : 'other';
}

/** The frame's line in its original source (after the source map), 1-based. */
function lineOf(frame) {
  if (!frame.url) return undefined;
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  return originalFile(path, frame)?.line ?? frame.lineNumber + 1;
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
  const areas = new Map();
  const functions = new Map();
  for (const e of entries) {
    const file = fileOf(e.frame);
    files.set(file, (files.get(file) ?? 0) + e.us);
    const area = areaOf(file);
    areas.set(area, (areas.get(area) ?? 0) + e.us);
    const line = lineOf(e.frame);
    const key = `${e.frame.functionName || '(anonymous)'} — ${file}${line ? `:${line}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + e.us);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, us, share: busy > 0 ? us / busy : 0 }));
  return {
    busyUs: busy,
    areas: top(areas, areas.size),
    files: top(files, TOP_FILES),
    functions: top(functions, TOP_FUNCTIONS),
  };
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

| area | self time | share |
|---|---|---|
${s.areas.map((x) => `| ${cell(x.name)} | ${ms(x.us)} | ${share(x.share)} |`).join('\n')}

| file | self time | share |
|---|---|---|
${s.files.map((x) => `| ${cell(x.name)} | ${ms(x.us)} | ${share(x.share)} |`).join('\n')}

| function — file:line | self time | share |
|---|---|---|
${s.functions.map((x) => `| ${cell(x.name)} | ${ms(x.us)} | ${share(x.share)} |`).join('\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}
