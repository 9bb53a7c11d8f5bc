#!/usr/bin/env node
// Express overhead in machine instructions per request (#18 target 4), counted by callgrind: repeatable
// where req/s is not (on this 2-core VM bare Express alone moved 4,038–6,250 req/s between rounds a minute
// apart, and the with-middleware ratio 79–117%). Standalone; needs valgrind and built packages:
//
//   node scenarios/express-instructions.mjs [--requests=1000,4000] [--variants=bare,als,floor,fusewire] [--out=FILE.json]
//
// Each variant's app runs under callgrind (node --single-threaded, so GC and compiler work count on the
// app's one thread, as on the bench's pinned core) and serves N hello-world requests from a load child over
// 10 keep-alive connections; its sink is a child too (callgrind follows neither). Per request =
// (count at the larger N − count at the smaller) ÷ the difference: start-up cancels out. Compilation is
// reported apart (V8 still tiers up functions at these N; a long-running app stops paying it).
//
//   bare      hello-world Express 5
//   als       + an AsyncLocalStorage entered per request (the floor of any context-propagating middleware)
//   floor     + a `finish` listener and one JSON line per request (counter ids, name, times, status),
//             POSTed in batches of 512 (or each second) over a keep-alive node:http agent: the least a
//             tracing middleware does
//   fusewire  @fusewire/express's middleware at its defaults (interval flush), OTLP protobuf to the sink
import { spawn } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { floorMiddleware } from '../lib/floor-middleware.mjs';

const { values: flags } = parseArgs({
  options: {
    child: { type: 'string' },
    requests: { type: 'string', default: '1000,4000' },
    variants: { type: 'string', default: 'bare,als,floor,fusewire' },
    out: { type: 'string' },
  },
});
const SELF = fileURLToPath(import.meta.url);
// Symbols of V8's parser and compilers (Ignition, Sparkplug, Maglev, Turbofan) in callgrind_annotate's listing.
const COMPILE = /compiler::|Maglev|maglev::|interpreter::|Parser|Scanner|Compile|baseline::|AstValue|Zone::/;

// ---- child: one app, N requests ----

const SINK = `const h=require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'application/json','content-length':2});s.end('{}')})});h.keepAliveTimeout=30000;h.listen(0,'127.0.0.1',()=>process.send(h.address().port));`;
const LOAD = (port, n) =>
  `const http=require('http');const agent=new http.Agent({keepAlive:true,maxSockets:10});let left=${n},open=0;` +
  `function one(){if(left<=0){if(open===0)process.exit(0);return}left--;open++;http.get({agent,port:${port},host:'127.0.0.1',path:'/'},(r)=>{r.resume();r.on('end',()=>{open--;one()})})}for(let i=0;i<10;i++)one();`;

async function middlewareFor(variant, sinkPort) {
  if (variant === 'bare') return { use: [] };
  if (variant === 'als') {
    const als = new AsyncLocalStorage();
    return { use: [(req, _res, next) => als.run(req, next)] };
  }
  if (variant === 'floor') {
    const floor = floorMiddleware(`http://127.0.0.1:${sinkPort}`);
    return { use: [floor.middleware], shutdown: floor.shutdown };
  }
  if (variant === 'fusewire') {
    const { createFusewire } = await import('@fusewire/core');
    const { middleware } = await import('@fusewire/express');
    const client = createFusewire({
      publicKey: 'pk-lf-bench',
      secretKey: 'sk-lf-bench',
      baseUrl: `http://127.0.0.1:${sinkPort}`,
    });
    return { use: [middleware(client)], shutdown: () => client.shutdown(10_000) };
  }
  throw new Error(`unknown variant ${variant}`);
}

async function child(variant, n) {
  const { default: express } = await import('express');
  const sink = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sinkPort = await new Promise((resolve) => sink.once('message', resolve));
  const tracing = await middlewareFor(variant, sinkPort);
  const app = express();
  for (const mw of tracing.use) app.use(mw);
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const http = createServer(app);
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const load = spawn(process.execPath, ['-e', LOAD(http.address().port, n)], { stdio: 'inherit' });
  const code = await new Promise((resolve) => load.on('exit', resolve));
  if (code !== 0) throw new Error(`load child exited ${code}`);
  await tracing.shutdown?.();
  http.close();
  sink.kill();
  process.exit(0);
}

// ---- parent ----

function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    // Not installed (ENOENT): reported like a failed run, with the hint.
    p.on('error', (error) => resolve({ code: -1, out, err: String(error) }));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Total instructions and those in V8's parser and compilers, for one variant at n requests. */
async function count(dir, variant, n) {
  const file = join(dir, `${variant}-${n}.out`);
  const args = ['--tool=callgrind', `--callgrind-out-file=${file}`, process.execPath, '--single-threaded'];
  const r = await run('valgrind', [...args, SELF, `--child=${variant}:${n}`]);
  const total = /Collected : (\d+)/.exec(r.err);
  if (r.code !== 0 || total === null)
    throw new Error(
      `${variant} ${n}: callgrind failed (${r.code}); it needs valgrind (apt-get install -y valgrind) and built packages (npx turbo run build): ${r.err.slice(-400)}`,
    );
  const listing = await run('callgrind_annotate', ['--threshold=100', file]);
  let compile = 0;
  for (const line of listing.out.split('\n')) {
    const m = /^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (m !== null && !m[2].includes('PROGRAM TOTALS') && COMPILE.test(m[2]))
      compile += Number(m[1].replaceAll(',', ''));
  }
  return { total: Number(total[1]), compile };
}

async function parent() {
  const [low, high] = flags.requests.split(',').map(Number);
  const variants = flags.variants.split(',');
  const dir = mkdtempSync(join(os.tmpdir(), 'fusewire-express-instructions-'));
  const jobs = variants.flatMap((v) => [low, high].map((n) => ({ v, n })));
  const counts = {};
  // Two at a time (callgrind counts do not depend on what else runs).
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      counts[`${job.v}:${job.n}`] = await count(dir, job.v, job.n);
      console.error(`express-instructions: ${job.v} × ${job.n} done`);
    }
  };
  try {
    await Promise.all([worker(), worker()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const per = {};
  for (const v of variants) {
    const a = counts[`${v}:${low}`];
    const b = counts[`${v}:${high}`];
    const total = (b.total - a.total) / (high - low);
    const compile = (b.compile - a.compile) / (high - low);
    per[v] = { total, compile, steady: total - compile };
  }
  const bare = per.bare;
  const k = (x) => `${Math.round(x / 1000)}k`;
  const pct = (x) => `${Math.round(x * 100)}%`;
  const lines = [
    `express instructions per request — Node ${process.version}, callgrind, (${high} − ${low} requests) ÷ ${high - low}`,
    '',
    '| variant | instructions / request | of which compiling | without compiling | bare ÷ this (without compiling) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...variants.map(
      (v) =>
        `| ${v} | ${k(per[v].total)} | ${k(per[v].compile)} | ${k(per[v].steady)} | ${bare ? pct(bare.steady / per[v].steady) : '—'} |`,
    ),
  ];
  console.log(lines.join('\n'));
  if (flags.out)
    writeFileSync(
      flags.out,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, low, high, counts, per }, null, 2)}\n`,
    );
}

if (flags.child) {
  const [variant, n] = flags.child.split(':');
  await child(variant, Number(n));
} else await parent();
