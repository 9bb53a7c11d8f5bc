import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the page, read once at startup. */
export interface UiFile {
  body: Buffer;
  contentType: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's files from the package's `ui/` folder (this module sits one level below the package root
 * both as source and as the bundle in dist/). Plain ES modules and CSS: no build step, no CDN.
 */
export function loadUiFiles(dir = fileURLToPath(new URL('../ui/', import.meta.url))): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  for (const name of readdirSync(dir)) {
    const contentType = TYPES[extname(name)];
    if (contentType) files.set(name, { body: readFileSync(dir + name), contentType });
  }
  return files;
}
