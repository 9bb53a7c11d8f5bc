#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { listDeadLetters, readSpoolStats, replayDeadLetters } from './inspect.js';

const USAGE = `usage: fusewire-spool <stats|dead-letters|replay> [--path FILE] [options]

  stats                      what the spool holds: waiting events, dead letters by reason, processes
  dead-letters               list dead letters, oldest first   [--reason R] [--limit N] [--full]
  replay                     put dead letters back in line     [--reason R] [--limit N]

  --path FILE   the spool file (default: FUSEWIRE_SPOOL_PATH)
  --json        print JSON`;

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      path: { type: 'string' },
      reason: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      full: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const path = values.path ?? process.env.FUSEWIRE_SPOOL_PATH;
  if (values.help === true || command === undefined) {
    console.log(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (path === undefined) {
    console.error('fusewire-spool: no spool file: pass --path FILE or set FUSEWIRE_SPOOL_PATH');
    return 2;
  }
  const limit = values.limit !== undefined ? Number(values.limit) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    console.error(`fusewire-spool: --limit expects a positive whole number, got ${values.limit}`);
    return 2;
  }
  const filter = {
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
  if (command === 'stats') {
    const s = readSpoolStats(path);
    if (values.json === true) console.log(JSON.stringify(s, null, 2));
    else {
      console.log(`spool ${s.path} (${s.fileBytes} bytes on disk)`);
      console.log(
        `  waiting:      ${s.waiting.events} events, ${s.waiting.bytes} bytes, ${s.waiting.claimed} claimed${s.waiting.oldestAt ? `, oldest ${s.waiting.oldestAt}` : ''}`,
      );
      const reasons = Object.entries(s.deadLetters.byReason)
        .map(([r, n]) => `${r}: ${n}`)
        .join(', ');
      console.log(`  dead letters: ${s.deadLetters.events}${reasons ? ` (${reasons})` : ''}`);
      console.log(`  delivered, not yet cleaned up: ${s.deliveredKept}`);
      for (const o of s.owners)
        console.log(`  process ${o.pid}@${o.host}, lease until ${o.leaseUntil}${o.expired ? ' (expired)' : ''}`);
    }
    return 0;
  }
  if (command === 'dead-letters') {
    const list = listDeadLetters(path, { ...filter, ...(values.full === true ? { full: true } : {}) });
    if (values.json === true) console.log(JSON.stringify(list, null, 2));
    else if (list.length === 0) console.log('no dead letters');
    else for (const d of list) console.log(`${d.at}  ${d.reason}  ${d.kind} ${d.id ?? ''}  ${d.message}`);
    return 0;
  }
  if (command === 'replay') {
    const moved = replayDeadLetters(path, filter);
    console.log(values.json === true ? JSON.stringify({ replayed: moved }) : `${moved} dead letters put back in line`);
    return 0;
  }
  console.error(`fusewire-spool: unknown command ${command}\n${USAGE}`);
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`fusewire-spool: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
