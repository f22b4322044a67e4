// vitest globalSetup: one shared host for the integration suites (a cold start costs seconds on a
// busy machine, so suites share it). Suites read it with inject('hookbookUrl') / inject('hookbookAdminKey').
// HOOKBOOK_TEST_HOST_ENV (JSON) adds environment for it, e.g. to load fixtures instead of functions/.
import type { TestProject } from 'vitest/node';
import { findFunctionFiles } from '../../local/load-functions';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fixtureEnv, repoRoot, startHost, type RunningHost } from './host';

declare module 'vitest' {
  export interface ProvidedContext {
    hookbookUrl: string;
    hookbookAdminKey: string;
  }
}

let host: RunningHost | undefined;

export async function setup(project: TestProject): Promise<void> {
  // The addon that makes hosts non-dumpable (docs/security.md), for `npx vitest` without `npm test`.
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-native.cjs'), '--quiet'], { stdio: 'inherit' });
  let extra = process.env.HOOKBOOK_TEST_HOST_ENV ? (JSON.parse(process.env.HOOKBOOK_TEST_HOST_ENV) as Record<string, string>) : {};
  // Until the real functions exist, the fixtures stand in so that the suites can run at all.
  if (!extra.HOOKBOOK_FUNCTIONS_GLOB && findFunctionFiles('functions/*.ts').length === 0) extra = { ...fixtureEnv(), ...extra };
  // The source-control suites serve git over http on a local socket (docs/source-control.md).
  host = await startHost({ env: { HOOKBOOK_GIT_ALLOW_HTTP: 'true', ...extra } });
  project.provide('hookbookUrl', host.url);
  project.provide('hookbookAdminKey', host.adminKey);
}

export async function teardown(): Promise<void> {
  if (!host) return;
  const code = await host.stop();
  if (code !== 0) process.stderr.write(`shared Hookbook host exited with ${code}\n${host.output().slice(-4000)}\n`);
}
