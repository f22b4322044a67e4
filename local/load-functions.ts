// Loads the function files (each one calls app.http/app.storageQueue/app.timer at module load).
// Node 20 has no fs.glob, so a small matcher for "*", "**" and "?" does the job.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './settings';

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
}

/** Files matching one or more comma-separated globs (relative to the repo root), sorted. */
export function findFunctionFiles(globs: string, root = repoRoot): string[] {
  const found = new Set<string>();
  for (const g of globs
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const abs = path.resolve(root, g).split(path.sep).join('/');
    const firstWild = abs.search(/[*?]/);
    const base = firstWild < 0 ? abs : abs.slice(0, abs.lastIndexOf('/', firstWild));
    const re = globToRegExp(abs);
    const files: string[] = [];
    if (firstWild < 0) files.push(abs);
    else walk(base, files);
    for (const f of files) {
      const norm = f.split(path.sep).join('/');
      if (re.test(norm) && !norm.endsWith('.d.ts') && !/\.(test|spec)\.[cm]?[jt]s$/.test(norm)) found.add(norm);
    }
  }
  return [...found].sort();
}

export function loadFunctionFiles(files: string[]): void {
  // require, not import(): the library registers synchronously and tsx compiles .ts on require.
  for (const file of files) require(file); // eslint-disable-line @typescript-eslint/no-require-imports
}
