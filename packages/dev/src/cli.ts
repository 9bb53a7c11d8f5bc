#!/usr/bin/env node
import { parseCli, USAGE } from './cli-args.js';
import { startDevServer } from './server/start-dev-server.js';

async function main(): Promise<void> {
  const command = parseCli(process.argv.slice(2), process.env);
  if (command.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (command.kind === 'error') {
    console.error(`fusewire: ${command.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { options } = command;
  let server: Awaited<ReturnType<typeof startDevServer>>;
  try {
    server = await startDevServer(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const port = options.port ?? 3100;
    const hint =
      code === 'EADDRINUSE'
        ? `port ${port} is in use (another fusewire dev?): try --port ${port + 1}`
        : (error as Error).message;
    console.error(`fusewire dev: could not start: ${hint}`);
    process.exitCode = 1;
    return;
  }
  if (options.forward && new URL(options.forward.baseUrl).origin === new URL(server.url).origin) {
    console.error(
      'fusewire dev: --forward points at this server itself (LANGFUSE_BASE_URL): set it to your real Langfuse',
    );
    await server.close();
    process.exitCode = 2;
    return;
  }
  const lines = [
    `fusewire dev: a local Langfuse on ${server.url}`,
    '',
    `  open the live trace view:  ${server.url}`,
    '',
    '  point your app at it (any keys are accepted):',
    `    LANGFUSE_BASE_URL=${server.url}`,
    '    LANGFUSE_PUBLIC_KEY=pk-lf-dev',
    '    LANGFUSE_SECRET_KEY=sk-lf-dev',
  ];
  if (options.forward) lines.push('', `  forwarding everything to ${options.forward.baseUrl} (keys from LANGFUSE_*)`);
  console.log(`${lines.join('\n')}\n`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
