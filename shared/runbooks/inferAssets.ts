import { AssetName, type RunbookAssets } from '../model/asset';
import type { RunbookType } from '../model/runbook';

/**
 * The assets a runbook without a manifest reads, from the literal names its script passes to
 * Azure Automation's asset cmdlets (PowerShell) or `automationassets` functions (Python):
 * `Get-AutomationVariable -Name 'X'`, `Get-AutomationVariable "X"`, `Set-AutomationVariable -Name X`,
 * `Get-AutomationPSCredential`, `Get-AutomationConnection`; `get_automation_variable("X")`, ...
 * A name that is not a literal (`-Name $name`, `"pre$suffix"`) grants nothing: the job's read of it
 * fails as for any undeclared asset, so a runbook still reads only what its text names.
 */
const PWSH: Record<string, keyof Omit<RunbookAssets, 'env'>> = {
  'get-automationvariable': 'variables',
  'set-automationvariable': 'writeVariables',
  'get-automationpscredential': 'credentials',
  'get-automationconnection': 'connections',
};
const PYTHON: Record<string, keyof Omit<RunbookAssets, 'env'>> = {
  get_automation_variable: 'variables',
  set_automation_variable: 'writeVariables',
  get_automation_credential: 'credentials',
  get_automation_connection: 'connections',
};

// `Cmdlet [-Name[:]] 'literal'` or `"literal"` without `$` or a backtick (which would make it an expression).
const PWSH_CALL = /\b(Get-AutomationVariable|Set-AutomationVariable|Get-AutomationPSCredential|Get-AutomationConnection)\b[ \t]+(?:-Name(?::[ \t]*|[ \t]+))?(?:'([^'\r\n]+)'|"([^"$`\r\n]+)"|([A-Za-z0-9_][^\s'"$`();|]*))/gi;
const PYTHON_CALL = /\b(get_automation_variable|set_automation_variable|get_automation_credential|get_automation_connection)\s*\(\s*(?:name\s*=\s*)?(?:'([^'\\\r\n]+)'|"([^"\\\r\n]+)")/g;

export function inferAssets(type: RunbookType, content: string): RunbookAssets {
  const found: Omit<RunbookAssets, 'env'> = { variables: [], credentials: [], connections: [], writeVariables: [] };
  const add = (kind: keyof typeof found, name: string) => {
    if (!AssetName.safeParse(name).success) return;
    if (!found[kind].some((n) => n.toLowerCase() === name.toLowerCase()) && found[kind].length < 100) found[kind].push(name);
  };
  if (type === 'pwsh') {
    for (const m of content.matchAll(PWSH_CALL)) {
      const name = m[2] ?? m[3] ?? m[4];
      // A bare word that is another parameter (-Value, ...) is not a name.
      if (name && !name.startsWith('-')) add(PWSH[m[1]!.toLowerCase()]!, name);
    }
  } else if (type === 'python3') {
    for (const m of content.matchAll(PYTHON_CALL)) add(PYTHON[m[1]!]!, m[2] ?? m[3]!);
  }
  return { ...found, env: {} };
}
