import { delimiter, join } from 'node:path';
import { settings } from '../config';
import { runtimeFile } from '../runners/runtime';
import { jobSandbox } from '../runners/sandbox';
import { parseAssetRef, type RunbookAssets } from '../model/asset';
import type { RunbookVersion } from '../model/runbook';
import { SecretMasker } from '../jobs/mask';
import { issueJobToken, type JobScope } from './jobToken';
import { asText, declaredSecrets, readConnection, readCredential, readVariable } from './jobRead';

/**
 * What a job gets besides its parameters: the job token and service URL, the asset helpers on
 * its search paths, assets its manifest maps to environment variables, and (with `identity: true`)
 * the Function App's managed identity environment. Also the masker that hides every secret the
 * job was handed. The runner applies `JobEnv` with `applyJobEnv` (one hook, shared/runners/runner.ts).
 */
export interface JobEnv {
  /** Set (overriding the runner's own value). */
  set: Record<string, string>;
  /** Put in front of a search path (PATH, PYTHONPATH, NODE_PATH, PSModulePath). */
  prepend: Record<string, string>;
  /** Removed even if HOOKBOOK_PASS_ENV lists them (identity variables of a runbook without `identity`). */
  unset: string[];
}

/** The managed identity environment of App Service / Functions, read by Az PowerShell, az CLI and @azure/identity. */
export const IDENTITY_ENV = [
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'AZURE_CLIENT_ID',
];
const IDENTITY_SECRETS = ['IDENTITY_HEADER', 'MSI_SECRET', 'AZURE_CLIENT_SECRET'];

/** The runner's helper modules (bash command, python3/node modules, pwsh module); beside the compiled code or in the source tree. */
export function helpersDir(): string {
  // The sandbox decides first: it may stage the helpers where jobs can read them (runtime.ts).
  jobSandbox();
  return runtimeFile('helpers');
}

export function identityEnvNames(): string[] {
  return [...new Set([...IDENTITY_ENV, ...settings().identityPassEnv])];
}

export interface JobAssets {
  env: JobEnv;
  masker: SecretMasker;
}

/**
 * Prepare a job attempt's assets. Throws (a sentence naming the asset) when an asset the manifest
 * maps to an environment variable is missing or not declared.
 */
export async function prepareJobAssets(
  job: { jobId: string; attempt: number; runbook: string },
  version: RunbookVersion,
  parameters: Record<string, unknown>,
): Promise<JobAssets> {
  const s = settings();
  const masker = new SecretMasker();
  const def = version.definition;
  for (const p of def.parameters) {
    if (!p.secret) continue;
    const key = Object.keys(parameters).find((k) => k.toLowerCase() === p.name.toLowerCase());
    if (key !== undefined) masker.addValue(parameters[key]);
  }
  const helpers = helpersDir();
  const env: JobEnv = {
    set: {},
    prepend: {
      PATH: join(helpers, 'bin'),
      PYTHONPATH: join(helpers, 'python'),
      NODE_PATH: join(helpers, 'node'),
      PSModulePath: join(helpers, 'pwsh'),
    },
    unset: [],
  };
  const assets: RunbookAssets = def.assets ?? { variables: [], credentials: [], connections: [], writeVariables: [], env: {} };
  const timeoutSeconds = def.timeoutSeconds ?? s.defaultTimeoutSeconds;
  const scope: JobScope = { jobId: job.jobId, attempt: job.attempt, runbook: job.runbook, assets };
  const token = await issueJobToken(scope, timeoutSeconds + s.leaseSeconds + 60);
  masker.add(token);
  // The helpers' directory is shared (and read-only for jobs run as another user): no bytecode caches there.
  env.set.PYTHONDONTWRITEBYTECODE = '1';
  env.set.HOOKBOOK_URL = s.jobApiUrl ?? s.publicUrl;
  env.set.HOOKBOOK_JOB_TOKEN = token;

  for (const secret of await declaredSecrets(def.assets)) masker.addValue(secret);
  // An asset mapped to an environment variable counts as declared for reading.
  const refs = Object.entries(assets.env).map(([envName, ref]) => ({ envName, ...parseAssetRef(ref) }));
  const envScope: JobScope = {
    ...scope,
    assets: {
      ...assets,
      variables: [...assets.variables, ...refs.filter((r) => r.kind === 'variable').map((r) => r.name)],
      credentials: [...assets.credentials, ...refs.filter((r) => r.kind === 'credential').map((r) => r.name)],
      connections: [...assets.connections, ...refs.filter((r) => r.kind === 'connection').map((r) => r.name)],
    },
  };
  for (const r of refs) {
    let value: unknown;
    let secret = false;
    if (r.kind === 'variable') ({ value, encrypted: secret } = await readVariable(envScope, r.name));
    else if (r.kind === 'credential') {
      const c = await readCredential(envScope, r.name);
      [value, secret] = r.field === 'userName' ? [c.userName, false] : [c.password, true];
    } else {
      const c = await readConnection(envScope, r.name);
      if (!(r.field! in c.fields)) throw new Error(`Manifest assets.env.${r.envName}: connection '${r.name}' has no field '${r.field}'.`);
      [value, secret] = [c.fields[r.field!], c.secretFields.includes(r.field!)];
    }
    if (secret) masker.addValue(value);
    env.set[r.envName] = asText(value);
  }

  const identity = identityEnvNames();
  if (def.identity) {
    for (const name of identity) {
      const v = process.env[name];
      if (v === undefined) continue;
      env.set[name] = v;
      if (IDENTITY_SECRETS.includes(name)) masker.add(v);
    }
  } else {
    env.unset.push(...identity);
  }
  return { env, masker };
}

/** Apply a JobEnv to the environment the runner built (the runner's one hook). */
export function applyJobEnv(env: Record<string, string>, extra: JobEnv | undefined): void {
  if (!extra) return;
  for (const name of extra.unset) delete env[name];
  for (const [name, dir] of Object.entries(extra.prepend)) env[name] = env[name] ? `${dir}${delimiter}${env[name]}` : dir;
  Object.assign(env, extra.set);
}
