// Runs once per server process, before any route. Tracing runs on the Node.js runtime only:
// the dynamic import keeps @fusewire/next (and node:diagnostics_channel) out of the edge bundle.
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    (await import('@fusewire/next')).register(); // keys and URL from LANGFUSE_* env vars
  }
}
