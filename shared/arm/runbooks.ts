import { z } from 'zod';
import { badRequest } from '../errors';
import { RunbookTags, type ParameterType, type Runbook, type RunbookParameter, type RunbookType } from '../model/runbook';
import { withSecretDefaultsMasked } from '../runbooks/parameters';
import type { ArmContext } from './request';
import { trackedResource } from './resource';

/**
 * Runbooks in Azure's shape, and Azure's runbook types mapped to Hookbook's. PowerShell (5.1 and
 * 7.x) runs on pwsh, Python (3.x) on python3; workflows, graphical runbooks and Python 2 are
 * refused (Hookbook cannot run them). Hookbook's node and bash runbooks have no Azure type: they
 * show as `Script`, which a client cannot create (it would not say which interpreter).
 */
const FROM_AZURE: Record<string, RunbookType> = {
  powershell: 'pwsh',
  powershell72: 'pwsh',
  python: 'python3',
  python3: 'python3',
};
const UNSUPPORTED = ['Script', 'Graph', 'PowerShellWorkflow', 'GraphPowerShellWorkflow', 'GraphPowerShell', 'Python2'];

export function hookbookType(azureType: string): RunbookType {
  const t = FROM_AZURE[azureType.toLowerCase()];
  if (t) return t;
  const known = UNSUPPORTED.find((u) => u.toLowerCase() === azureType.toLowerCase());
  throw badRequest(
    known
      ? `properties.runbookType '${known}' is not supported: Hookbook runs PowerShell (PowerShell, PowerShell72) and Python (Python3, Python) runbooks.`
      : `properties.runbookType '${azureType.slice(0, 40)}' is not a runbook type; use PowerShell, PowerShell72, Python3 or Python.`,
  );
}

export function azureType(t: RunbookType): string {
  return t === 'pwsh' ? 'PowerShell' : t === 'python3' ? 'Python3' : 'Script';
}

const AZURE_PARAMETER_TYPE: Record<ParameterType, string> = {
  string: 'System.String',
  int: 'System.Int32',
  bool: 'System.Boolean',
  datetime: 'System.DateTime',
  object: 'System.Object',
  array: 'System.Object[]',
};

/** Azure's parameter map: what Start-AzAutomationRunbook validates a start against (names, mandatory). */
export function azureParameters(parameters: readonly RunbookParameter[]) {
  return Object.fromEntries(
    parameters.map((p, position) => [
      p.name,
      {
        type: AZURE_PARAMETER_TYPE[p.type],
        isMandatory: p.mandatory,
        position,
        ...(p.default !== undefined ? { defaultValue: typeof p.default === 'string' ? p.default : JSON.stringify(p.default) } : {}),
      },
    ]),
  );
}

const etagOf = (r: Runbook) => `"${Buffer.from(`${r.version}:${r.lastModifiedTime}`).toString('base64url')}"`;

export function draftView(r: Runbook) {
  const def = r.draft ?? r;
  return {
    inEdit: r.draft !== undefined,
    creationTime: r.createdTime,
    lastModifiedTime: r.lastModifiedTime,
    parameters: azureParameters(def.parameters),
    outputTypes: [] as string[],
  };
}

/** A runbook as Azure shows it. `state` is New until the first publish, as in Azure. */
export function runbookResource(ctx: ArmContext, runbook: Runbook) {
  const r = withSecretDefaultsMasked(runbook);
  return trackedResource(
    ctx,
    'runbooks',
    r.name,
    etagOf(r),
    {
      runbookType: azureType(r.type),
      ...(r.type === 'pwsh' ? { runtimeEnvironment: 'PowerShell-7' } : {}),
      state: r.version === 0 ? 'New' : r.state,
      logVerbose: r.logVerbose ?? false,
      logProgress: false,
      logActivityTrace: 0,
      jobCount: 0,
      // Filled once published: the parameters of the version jobs run.
      parameters: r.version > 0 ? azureParameters(r.parameters) : {},
      outputTypes: [] as string[],
      draft: draftView(r),
      provisioningState: 'Succeeded',
      lastModifiedBy: '',
      creationTime: r.createdTime,
      lastModifiedTime: r.lastModifiedTime,
      description: r.description,
    },
    r.tags ?? {},
  );
}

/** PUT and PATCH bodies (RunbookCreateOrUpdateParameters / RunbookUpdateParameters). */
const Common = {
  name: z.string().max(128).optional(),
  location: z.string().max(128).optional(),
  tags: RunbookTags.optional(),
};
const Properties = {
  logVerbose: z.boolean().optional(),
  logProgress: z.boolean().optional(),
  logActivityTrace: z.number().int().optional(),
  description: z.string().max(4096).optional(),
};
const ContentLink = z.looseObject({ uri: z.string().max(2048).optional() });
export const RunbookPutBody = z.looseObject({
  ...Common,
  properties: z.looseObject({
    ...Properties,
    runbookType: z.string().min(1).max(64),
    runtimeEnvironment: z.string().max(64).optional(),
    draft: z.looseObject({}).optional(),
    publishContentLink: ContentLink.optional(),
  }),
});
export const RunbookPatchBody = z.looseObject({ ...Common, properties: z.looseObject(Properties).optional() });
