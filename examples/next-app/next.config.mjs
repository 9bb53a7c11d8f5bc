import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Inside the fusewire repository, next and @fusewire/* are installed in the workspace root's
// node_modules, so Next must trace and bundle from there. A copy of this app on its own needs none of it.
const workspace = fileURLToPath(new URL('../..', import.meta.url));
const inWorkspace = (() => {
  try {
    return JSON.parse(readFileSync(`${workspace}/package.json`, 'utf8')).name === 'fusewire-monorepo';
  } catch {
    return false;
  }
})();

/** @type {import('next').NextConfig} */
const nextConfig = {
  // @fusewire/* is deliberately NOT in `serverExternalPackages`: Next then bundles its own copy
  // into instrumentation.ts and into the routes. fusewire keeps its queue, batcher and context on a
  // process-wide symbol, so every copy still feeds one pipeline (the e2e test checks both).
  ...(inWorkspace ? { outputFileTracingRoot: workspace, turbopack: { root: workspace } } : {}),
};

export default nextConfig;
