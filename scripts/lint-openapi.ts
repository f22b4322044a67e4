// `npm run lint:openapi`: writes the OpenAPI document (exactly what GET /api/openapi.json serves,
// see scripts/openapi.ts) to a temporary file and lints it with Redocly CLI under redocly.yaml.
// Every rule there is an error, so any problem fails the run (and `npm test`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../local/settings';

const dir = mkdtempSync(path.join(tmpdir(), 'hookbook-openapi-'));
const file = path.join(dir, 'openapi.json');
// No telemetry from a test run.
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
try {
  const made = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'openapi.ts'), file], {
    cwd: repoRoot,
    stdio: 'inherit',
    env,
  });
  if (made.status !== 0) process.exit(made.status ?? 1);
  const redocly = path.join(repoRoot, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const lint = spawnSync(
    process.execPath,
    [redocly, 'lint', file, '--config', path.join(repoRoot, 'redocly.yaml'), '--format', 'codeframe'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
      env,
    },
  );
  process.exitCode = lint.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
