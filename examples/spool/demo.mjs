// The spool's promise, end to end: an app publishes while Langfuse is unreachable and is killed with
// SIGKILL; the next start delivers what the first one accepted, complete. Against `fusewire dev`.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTraces, startDevServer } from '@fusewire/dev';
import { readSpoolStats } from '@fusewire/spool';

const app = fileURLToPath(new URL('./index.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fusewire-spool-example-'));
const env = {
  ...process.env,
  FUSEWIRE_SPOOL_PATH: join(dir, 'fusewire.db'),
  LANGFUSE_PUBLIC_KEY: 'pk-lf-dev',
  LANGFUSE_SECRET_KEY: 'sk-lf-dev',
};

console.log('1. Langfuse is down (nothing listens on port 9), the app publishes 3 traces, then dies:\n');
const first = spawnSync(process.execPath, [app, '3'], {
  env: { ...env, LANGFUSE_BASE_URL: 'http://127.0.0.1:9', CRASH: '1' },
  stdio: 'inherit',
});
console.log(`   → exited by ${first.signal ?? first.status}`);
const left = readSpoolStats(env.FUSEWIRE_SPOOL_PATH);
console.log(`\n2. npx fusewire-spool stats: ${left.waiting.events} events waiting in ${left.path}\n`);

const dev = await startDevServer({ port: 0 });
console.log(`3. Langfuse is back (fusewire dev on ${dev.url}); the app starts again, with no new traces:\n`);
// Not spawnSync: the dev server runs in this process and must keep answering.
await once(
  spawn(process.execPath, [app, '0'], { env: { ...env, LANGFUSE_BASE_URL: dev.url }, stdio: 'inherit' }),
  'exit',
);
console.log(`\nwhat Langfuse would show:\n\n${formatTraces(dev.traces())}`);
const end = readSpoolStats(env.FUSEWIRE_SPOOL_PATH);
await dev.close();
rmSync(dir, { recursive: true, force: true });
if (dev.traces().length !== 3 || end.waiting.events !== 0) {
  console.error(
    `\nexpected 3 traces delivered and an empty spool; got ${dev.traces().length} and ${end.waiting.events}`,
  );
  process.exitCode = 1;
}
