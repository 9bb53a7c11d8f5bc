import { readFileSync } from 'node:fs';

export const repoRoot = new URL('../../../../', import.meta.url);

/** A README as text, from the repository root (`README.md`, `packages/express/README.md`, …). */
export function readme(path = 'README.md'): string {
  return readFileSync(new URL(path, repoRoot), 'utf8');
}

/**
 * The code blocks of one language under a heading, in order, up to the next heading of the same
 * or a higher level: the snippets a reader of that section copies.
 */
export function snippets(text: string, heading: string, lang = 'js'): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '') === heading);
  if (start === -1) throw new Error(`no heading "${heading}"`);
  const level = lines[start]!.indexOf(' ');
  const found: string[] = [];
  let block: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (block === undefined && /^#+ /.test(line) && line.indexOf(' ') <= level) break;
    if (block === undefined && line.trim() === `\`\`\`${lang}`) block = [];
    else if (block !== undefined && line.trim() === '```') {
      found.push(`${block.join('\n')}\n`);
      block = undefined;
    } else block?.push(line);
  }
  if (found.length === 0) throw new Error(`no \`\`\`${lang} block under "${heading}"`);
  return found;
}

/** Markdown links and images whose target is relative: they break on the registry's package page. */
export function relativeLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^(https?:|mailto:|#)/.test(href));
}
