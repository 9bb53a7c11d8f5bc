#!/usr/bin/env node
// What recording an OpenAI SDK call costs: the same chat completion against a local OpenAI-shaped
// server, bare and wrapped with @fusewire/openai (fusewire not running, and running), each variant
// in a fresh child process, rounds interleaved. Reports CPU per call (the app's process: SDK, HTTP,
// and for "running" fusewire's whole pipeline, export included) and wall time per call.
//
//   node llm-sdk.mjs            # full: 5 rounds × 3000 calls per variant
//   node llm-sdk.mjs --smoke    # tiny, proves it runs
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { values: flags } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, variant: { type: 'string' }, servers: { type: 'string' } },
});
const SIZE = flags.smoke
  ? { rounds: 1, calls: 200, warmup: 50, concurrency: 4 }
  : { rounds: 5, calls: 3000, warmup: 500, concurrency: 8 };
const VARIANTS = ['bare', 'wrapped, fusewire off', 'wrapped, fusewire on'];

if (flags.variant) await child(flags.variant, JSON.parse(flags.servers));
else await runner();

async function child(variant, servers) {
  const { default: OpenAI } = await import('openai');
  let fusewire;
  let openai = new OpenAI({ apiKey: 'sk-bench', baseURL: servers.openai, maxRetries: 2 });
  if (variant !== 'bare') {
    const { observeOpenAI } = await import('@fusewire/openai');
    openai = observeOpenAI(openai);
  }
  if (variant === 'wrapped, fusewire on') {
    const { createFusewire } = await import('@fusewire/core');
    const { url, publicKey, secretKey } = servers.langfuse;
    fusewire = createFusewire({ baseUrl: url, publicKey, secretKey, flushOnExit: false });
  }
  const messages = [
    { role: 'system', content: 'Answer in one sentence.' },
    { role: 'user', content: 'What is the capital of France?' },
  ];
  const run = async (n) => {
    let next = 0;
    const worker = async () => {
      while (next++ < n) await openai.chat.completions.create({ model: 'gpt-4o-mini', temperature: 0.2, messages });
    };
    await Promise.all(Array.from({ length: SIZE.concurrency }, worker));
  };
  await run(SIZE.warmup);
  await fusewire?.flush();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(SIZE.calls);
  const wall = performance.now() - t0;
  const callerCpu = process.cpuUsage(cpu0);
  const stats = await fusewire?.flush();
  const totalCpu = process.cpuUsage(cpu0);
  const us = (c) => (c.user + c.system) / SIZE.calls;
  process.send({
    variant,
    callerCpuUs: us(callerCpu),
    totalCpuUs: us(totalCpu),
    wallUs: (wall * 1000) / SIZE.calls,
    delivered: stats?.delivered,
  });
  await fusewire?.shutdown();
}

async function runner() {
  const servers = fork(here('./lib/llm-servers-child.mjs'));
  const addresses = await new Promise((resolve) => servers.once('message', resolve));
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < SIZE.rounds; round++) {
    for (const variant of VARIANTS) {
      const proc = fork(here('./llm-sdk.mjs'), [
        `--variant=${variant}`,
        `--servers=${JSON.stringify(addresses)}`,
        ...(flags.smoke ? ['--smoke'] : []),
      ]);
      const result = await new Promise((resolve, reject) => {
        proc.once('message', resolve);
        proc.once('exit', (code) => code !== 0 && reject(new Error(`${variant} exited ${code}`)));
      });
      results[variant].push(result);
    }
  }
  servers.disconnect();
  const row = (variant) => {
    const r = results[variant];
    const m = (k) => median(r.map((x) => x[k]));
    return { variant, callerCpuUs: m('callerCpuUs'), totalCpuUs: m('totalCpuUs'), wallUs: m('wallUs') };
  };
  const rows = VARIANTS.map(row);
  const bare = rows[0];
  const lines = [
    `# LLM SDK integration overhead (${new Date().toISOString()}, ${SIZE.rounds} rounds × ${SIZE.calls} calls, concurrency ${SIZE.concurrency}${flags.smoke ? ', smoke' : ''})`,
    '',
    '| variant | CPU µs/call while calling | CPU µs/call incl. export | overhead vs bare (incl. export) | wall µs/call |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${r.callerCpuUs.toFixed(1)} | ${r.totalCpuUs.toFixed(1)} | ${r === bare ? '–' : `+${(r.totalCpuUs - bare.totalCpuUs).toFixed(1)} µs`} | ${r.wallUs.toFixed(1)} |`,
    ),
    '',
  ];
  const name = flags.smoke ? 'results-llm.smoke' : 'results-llm';
  writeFileSync(here(`./${name}.json`), JSON.stringify({ size: SIZE, results }, null, 2));
  writeFileSync(here(`./${name}.md`), lines.join('\n'));
  console.log(lines.join('\n'));
  console.log('bench llm-sdk: 1 passed, 0 failed');
}
