import { parseArgs } from 'node:util';
import type { ForwardTarget } from './server/forwarder.js';
import type { DevServerOptions } from './server/start-dev-server.js';

export const USAGE = `usage: fusewire dev [--port 3100] [--host 127.0.0.1] [--forward] [--max-traces 1000] [--max-mb 64]

  Starts a local Langfuse-compatible server with a live trace view at its URL.
  --port        port to listen on (0: any free port)
  --host        interface to bind; anything but loopback shows your traces to the network
  --forward     also send everything on to a real Langfuse, with LANGFUSE_PUBLIC_KEY,
                LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL (default https://cloud.langfuse.com)
  --max-traces  traces kept in memory
  --max-mb      megabytes of trace data kept in memory`;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | { kind: 'dev'; options: DevServerOptions };

function positiveInt(name: string, text: string | undefined, min: number): number | string | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : `--${name} must be an integer ≥ ${min} (got "${text}")`;
}

/** The forward target from the environment, or a message naming what is missing (never a key's value). */
export function forwardTargetFrom(env: NodeJS.ProcessEnv): ForwardTarget | string {
  const publicKey = env.LANGFUSE_PUBLIC_KEY;
  const secretKey = env.LANGFUSE_SECRET_KEY;
  const baseUrl = env.LANGFUSE_BASE_URL ?? env.LANGFUSE_BASEURL ?? env.LANGFUSE_HOST ?? 'https://cloud.langfuse.com';
  const missing = [!publicKey && 'LANGFUSE_PUBLIC_KEY', !secretKey && 'LANGFUSE_SECRET_KEY'].filter(Boolean);
  if (missing.length > 0) return `--forward needs ${missing.join(' and ')} set to your Langfuse project's keys`;
  try {
    new URL(baseUrl);
  } catch {
    return `--forward needs LANGFUSE_BASE_URL to be a URL such as https://cloud.langfuse.com`;
  }
  return { baseUrl, publicKey: publicKey!, secretKey: secretKey! };
}

/** Parse `fusewire <args>`; never throws. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        forward: { type: 'boolean' },
        'max-traces': { type: 'string' },
        'max-mb': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };
  if (positionals[0] !== 'dev' || positionals.length > 1) {
    return { kind: 'error', message: `unknown command "${positionals.join(' ')}"` };
  }
  const options: DevServerOptions = {};
  const port = positiveInt('port', values.port as string | undefined, 0);
  const maxTraces = positiveInt('max-traces', values['max-traces'] as string | undefined, 1);
  const maxMb = positiveInt('max-mb', values['max-mb'] as string | undefined, 1);
  for (const value of [port, maxTraces, maxMb]) if (typeof value === 'string') return { kind: 'error', message: value };
  if (typeof port === 'number') {
    if (port > 65535) return { kind: 'error', message: `--port must be at most 65535 (got ${port})` };
    options.port = port;
  }
  if (typeof maxTraces === 'number') options.maxTraces = maxTraces;
  if (typeof maxMb === 'number') options.maxBytes = maxMb * 1024 * 1024;
  if (typeof values.host === 'string') options.host = values.host;
  if (values.forward) {
    const target = forwardTargetFrom(env);
    if (typeof target === 'string') return { kind: 'error', message: target };
    options.forward = target;
  }
  return { kind: 'dev', options };
}
