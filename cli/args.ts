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
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

export const USAGE = `hookbook — the Hookbook command line

Usage: hookbook <group> <command> [arguments] [options]

Runbooks
  runbooks list
  runbooks get <name> [--content]
  runbooks create <name> --type bash|node|python3|pwsh --file <script>
                 [--declare 'Name:type[!][=default]']... [--manifest <json file>]
                 [--description <text>] [--path </a/b/c>] [--publish]
  runbooks publish <name>

Webhooks
  webhooks create <name> --runbook <runbook> [-p Name=value]... [--expiry <ISO time>] [--disabled]
  webhooks list [--runbook <runbook>]
  webhooks delete <name>

Jobs
  jobs start <runbook> [-p Name=value]... [--params <json> | --params @file.json] [--run-on <group>|cloud]
  jobs run <runbook> [-p Name=value]... [--params ...] [--run-on ...]   start, show the output live, exit with the job's status
  jobs list [--runbook <name>] [--status <status>] [--top <n>]
  jobs get <jobId>
  jobs stop <jobId>
  jobs logs <jobId> [--follow] [--types Output,Error,...]

Source controls: runbooks from git (docs/source-control.md)
  source-controls list | get <name> | create <name> --file <source.json>
  source-controls sync <name> [--follow] | dry-run <name> | syncs <name> [--top <n>]

Hybrid worker (docs/hybrid-workers.md)
  worker --url <service> --group <name> --key <keyId:secret> [--concurrency <n>] [--config <file>]   see hookbook worker --help

Options
  --url <url>        service URL (else HOOKBOOK_URL, else the config file)
  --key <id:secret>  API key (else HOOKBOOK_KEY, else the config file)
  --config <file>    config file, JSON {"url": "...", "key": "keyId:secret"}
                     (default $XDG_CONFIG_HOME/hookbook/config.json or ~/.config/hookbook/config.json)
  --json             machine-readable output (logs --follow: one JSON object per line)
  --no-color         no colours (also NO_COLOR=1)
  -h, --help         this text

Exit codes: 0 success / job Completed, 1 job Failed, 2 job Stopped, 3 usage, HTTP or network error.
`;
