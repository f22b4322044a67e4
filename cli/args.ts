/** The command line: every option, the parsed values' type, and the --help text. */
import type { parseArgs } from 'node:util';

export const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  param: { type: 'string', short: 'p', multiple: true },
  params: { type: 'string' },
  declare: { type: 'string', multiple: true },
  manifest: { type: 'string' },
  type: { type: 'string' },
  file: { type: 'string' },
  description: { type: 'string' },
  path: { type: 'string' },
  publish: { type: 'boolean' },
  content: { type: 'boolean' },
  runbook: { type: 'string' },
  status: { type: 'string' },
  top: { type: 'string' },
  expiry: { type: 'string' },
  disabled: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  types: { type: 'string' },
  'run-on': { type: 'string' },
  output: { type: 'string', short: 'o' },
  cron: { type: 'string' },
  frequency: { type: 'string' },
  interval: { type: 'string' },
  start: { type: 'string' },
  'time-zone': { type: 'string' },
  'week-days': { type: 'string' },
  'month-days': { type: 'string' },
  count: { type: 'string' },
  'started-by': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  user: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  field: { type: 'string', short: 'F', multiple: true },
  'secret-field': { type: 'string', multiple: true },
  encrypted: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** Every command group, in the order --help shows them (usage errors name them all). */
export const GROUP_NAMES = [
  'runbooks',
  'schedules',
  'jobs',
  'webhooks',
  'variables',
  'credentials',
  'connections',
  'worker-groups',
  'source-controls',
  'worker',
  'completion',
] as const;

export const USAGE = `hookbook — the Hookbook command line (docs/cli.md)

Usage: hookbook <group> <command> [arguments] [options]

Runbooks
  runbooks list
  runbooks get <name> [--content]
  runbooks create <name> --type bash|node|python3|pwsh --file <script>
                 [--declare 'Name:type[!][=default]']... [--manifest <json file>]
                 [--description <text>] [--path </a/b/c>] [--publish]
  runbooks update <name> --file <script> [--declare ...]... [--description <text>] [--publish]
                 saves the draft and shows its diff against the published version
  runbooks diff <name>                     the draft against the published version
  runbooks publish <name>
  runbooks delete <name>

Schedules (docs/schedules.md)
  schedules create <name> --runbook <runbook> (--cron '<expr>' | --frequency Hour|Day|Week|Month
                 [--interval <n>] [--week-days Monday,...] [--month-days 1,15] | --start <time> alone: once)
                 [--start <time>] [--time-zone <IANA>] [--expiry <time>] [-p Name=value]...
                 [--description <text>] [--disabled]        prints the next runs
  schedules preview (the timing options of create) [--count <n>]
  schedules list [--runbook <runbook>]
  schedules get <name>
  schedules enable <name> | disable <name> | delete <name>

Jobs
  jobs start <runbook> [-p Name=value]... [--params <json> | --params @file.json] [--run-on <group>|cloud]
  jobs run <runbook> [-p Name=value]... [--params ...] [--run-on ...]   start, show the output live, exit with the job's status
  jobs list [--runbook <name>] [--status <status>] [--started-by <who>] [--from <time>] [--to <time>] [--top <n>]
  jobs get <jobId>
  jobs stop <jobId>
  jobs logs <jobId> [--follow] [--types Output,Error,...]

Webhooks
  webhooks create <name> --runbook <runbook> [-p Name=value]... [--expiry <ISO time>] [--disabled]
  webhooks list [--runbook <runbook>]
  webhooks delete <name>

Assets (docs/assets.md)
  variables list | get <name> | delete <name>
  variables set <name> <value> [--type string|int|bool|datetime|object] [--encrypted] [--description <text>]
  credentials list | get <name> | delete <name>
  credentials set <name> --user <userName> [--password-stdin] [--description <text>]
                 the password is prompted for (or read from stdin), never taken from the command line
  connections list | get <name> | delete <name>
  connections set <name> --type EntraApp|BasicAuth|AzureServicePrincipal|<any> -F Field=value...
                 [--secret-field <Field>]... [--description <text>]   -F Field=- prompts (or reads stdin)

Hybrid workers (docs/hybrid-workers.md)
  worker-groups list | get <group> | create <group> [--description <text>] | delete <group>
  worker-groups keys <group> | add-key <group> [--description <text>] | revoke-key <group> <keyId>

Source controls: runbooks from git (docs/source-control.md)
  source-controls list | get <name> | create <name> --file <source.json>
  source-controls sync <name> [--follow] | dry-run <name> | syncs <name> [--top <n>]

Hybrid worker (docs/hybrid-workers.md)
  worker --url <service> --group <name> --key <keyId:secret> [--concurrency <n>] [--config <file>]   see hookbook worker --help

Shell completion
  completion bash|zsh|powershell           e.g. source <(hookbook completion bash)

Options
  --url <url>        service URL (else HOOKBOOK_URL, else the config file)
  --key <id:secret>  API key (else HOOKBOOK_KEY, else the config file)
  --config <file>    config file, JSON {"url": "...", "key": "keyId:secret"}
                     (default $XDG_CONFIG_HOME/hookbook/config.json or ~/.config/hookbook/config.json)
  -o, --output json|table|yaml   how answers are printed (default table: text for people)
  --json             the same as --output json (logs --follow: one JSON object per line)
  --no-color         no colours (also NO_COLOR=1)
  -h, --help         this text

Exit codes: 0 success / job Completed, 1 job Failed, 2 job Stopped, 3 usage, HTTP or network error.
`;
