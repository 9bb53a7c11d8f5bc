import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readme, repoRoot } from './support/readme.js';

/*
 * Every ```ts and ```js block of the READMEs, type-checked as strict TypeScript against the built
 * packages: a snippet that calls an API wrongly, or a type that does not take what the README
 * says it takes, fails here. Names a snippet uses without defining (the reader's own `messages`,
 * `llm`, `req`…) are declared once in support/snippet-globals.d.ts.
 */
const root = fileURLToPath(repoRoot);
// Under node_modules: linters skip it, and @fusewire/* resolve from the workspace as for any app.
const out = fileURLToPath(new URL('../node_modules/.snippets/', import.meta.url));

function readmes(): string[] {
  const packages = readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`);
  return ['README.md', ...packages].filter((path) => {
    try {
      readme(path);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Skipped, each for a reason that goes away: the bullmq wiring into createFusewire() is in
 * progress; Bull Board is not a dependency here; llm-common's `traceMethod` types its `response`
 * callback's argument as `unknown`, so the snippet's `r.text` does not check (told to its owner).
 */
const PENDING = /bullmqDelivery\(|@bull-board\/|traceMethod\(/;

function blocks(text: string): Array<{ line: number; lang: string; code: string }> {
  const found: Array<{ line: number; lang: string; code: string }> = [];
  const lines = text.split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (start === -1 && /^```(ts|js|typescript|javascript)$/.test(line)) start = i;
    else if (start !== -1 && line === '```') {
      const lang = lines[start]!.trim().slice(3);
      found.push({ line: start + 1, lang, code: lines.slice(start + 1, i).join('\n') });
      start = -1;
    }
  }
  return found;
}

it('every README snippet type-checks (strict) against the packages', () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  for (const path of readmes()) {
    let previous = '';
    for (const { line, lang, code } of blocks(readme(path))) {
      if (PENDING.test(code)) continue;
      // A block that goes on from the one before (the Express 4 handler) is checked in its context.
      const text = /^app\.\w+\(/m.test(code.split('\n')[0] ?? '') && previous !== '' ? `${previous}\n${code}` : code;
      previous = code;
      const ext = lang.startsWith('t') ? 'ts' : 'js';
      const name = `${path.replace(/\//g, '_').replace(/\.md$/, '')}_L${line}.${ext}`;
      // `export {}`: each snippet is its own module, so its names do not collide with another's.
      writeFileSync(join(out, name), `// ${path}:${line}\n${text}\nexport {};\n`);
      files.push(name);
    }
  }
  expect(files.length).toBeGreaterThan(20);
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(out, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../../tsconfig.json',
      // Strict, as a user's tsconfig would be; the repository's extra noUncheckedIndexedAccess is not.
      compilerOptions: {
        lib: ['ES2023', 'DOM'],
        allowJs: true,
        checkJs: true,
        allowUnreachableCode: true,
        noUncheckedIndexedAccess: false,
      },
      files: ['../../src/support/snippet-globals.d.ts', ...files],
    }),
  );
  let report = '';
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', out], { encoding: 'utf8' });
  } catch (error) {
    report = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(report, 'README snippets that do not type-check').toBe('');
});
