// Makes the service process non-dumpable (prctl PR_SET_DUMPABLE 0, through the tiny addon in
// native/, built by scripts/build-native.cjs): then /proc/<pid>/environ, mem and maps belong to
// root and no process of the same user can read them or attach a debugger. Where jobs run under
// another uid this is a second wall; where they cannot (not root), it is the one that keeps the
// service's environment and memory out of their reach.
import { existsSync } from 'node:fs';
import path from 'node:path';

interface NativeAddon {
  setNonDumpable(): boolean;
  isDumpable(): boolean;
}

/** The built addon, when there is one (the spawner loads it too: spawnerClient.ts). */
export function nativeAddonFile(): string | undefined {
  for (const up of [
    ['..', '..'],
    ['..', '..', '..'],
  ]) {
    const file = path.join(__dirname, ...up, 'native', 'build', 'Release', 'hookbook_native.node');
    if (existsSync(file)) return file;
  }
  return undefined;
}

function loadAddon(): NativeAddon | undefined {
  const file = nativeAddonFile();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return file ? (require(file) as NativeAddon) : undefined;
}

let done = false;

/** Once per process; says so once when it cannot be done. */
export function makeHostNonDumpable(log: (line: string) => void): boolean {
  if (done) return false;
  done = true;
  if (process.platform !== 'linux') return false;
  try {
    const addon = loadAddon();
    if (!addon) {
      log(
        'Process hardening: native/hookbook_native.node is not built (node scripts/build-native.cjs), so this process stays dumpable: a process of the same user could read its environment and memory through /proc.',
      );
      return false;
    }
    return addon.setNonDumpable();
  } catch (error) {
    log(`Process hardening: could not make this process non-dumpable: ${(error as Error).message}`);
    return false;
  }
}

/** For tests and the health of the hardening: undefined when the addon is not built. */
export function isDumpable(): boolean | undefined {
  return loadAddon()?.isDumpable();
}
