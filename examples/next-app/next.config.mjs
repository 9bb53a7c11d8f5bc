import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // @fusewire/* is deliberately NOT in `serverExternalPackages`: Next then bundles its own copy
  // into instrumentation.ts and into the routes. fusewire keeps its queue, batcher and context on a
  // process-wide symbol, so every copy still feeds one pipeline (the e2e test checks both).
  outputFileTracingRoot: root,
  turbopack: { root },
};

export default nextConfig;
