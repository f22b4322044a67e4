// Builds the dashboard (ui/ → dist/ui) when it is missing or older than its sources, so that
// `npm start` and `npm test` always serve the dashboard as the sources say. `npm run build:ui`
// builds unconditionally.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

function newest(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(p)) t = Math.max(t, newest(path.join(p, e)));
  return t;
}

/** True when dist/ui is missing or older than anything under ui/ or package-lock.json. */
export function uiIsStale(): boolean {
  const built = path.join(root, 'dist', 'ui', 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(newest(path.join(root, 'ui')), statSync(path.join(root, 'package-lock.json')).mtimeMs);
  return sources > statSync(built).mtimeMs;
}

export function ensureUi(): boolean {
  if (!uiIsStale()) return false;
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'ui/vite.config.mts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  return true;
}

if (require.main === module) {
  if (ensureUi()) console.log('dashboard built into dist/ui');
}
