// Keeps the local host's secrets out of a job's reach (docs/security.md): the settings file and the
// data directory become the host user's alone, and Azurite gets an account key nobody else knows
// (with the public development key, any process on the machine could open the job table).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEVELOPMENT_ACCOUNT_KEY } from './settings';

/** local.settings.json → 0600; the data directory (created if missing) → 0700. */
export function protectLocalFiles(root: string, dataDir: string | undefined, log: (line: string) => void): void {
  const settingsFile = path.join(root, 'local.settings.json');
  tighten(settingsFile, 0o600, log);
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    tighten(dataDir, 0o700, log);
  }
}

function tighten(file: string, mode: number, log: (line: string) => void): void {
  if (!existsSync(file)) return;
  const st = lstatSync(file);
  if (st.isSymbolicLink() || (st.mode & 0o777) === mode) return;
  try {
    chmodSync(file, mode);
  } catch (error) {
    log(`warning: could not make ${file} private (mode ${mode.toString(8)}): ${(error as Error).message}`);
  }
}

/**
 * The account key for the local host's Azurite: HOOKBOOK_AZURITE_KEY (`development` = the public
 * well-known key, for Storage Explorer and friends), else one kept in `<dataDir>/azurite-key`
 * (0600, so that data on disk and what is derived from the connection string survive a restart),
 * else, in memory, a new one per start.
 */
export function azuriteAccountKey(dataDir: string | undefined): string {
  const given = process.env.HOOKBOOK_AZURITE_KEY?.trim();
  if (given) return given.toLowerCase() === 'development' ? DEVELOPMENT_ACCOUNT_KEY : given;
  if (!dataDir) return randomBytes(64).toString('base64');
  const file = path.join(dataDir, 'azurite-key');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) return kept;
  }
  const key = randomBytes(64).toString('base64');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}
