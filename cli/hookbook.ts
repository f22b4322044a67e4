/**
 * `hookbook`: the command line client of the management API (docs/cli.md).
 *
 *   hookbook runbooks list|get|create|update|diff|publish|delete   cli/commands/runbooks.ts
 *   hookbook schedules create|preview|list|get|enable|disable|delete cli/commands/schedules.ts
 *   hookbook jobs start|run|list|get|stop|logs     cli/commands/jobs.ts (live output: follow.ts)
 *   hookbook webhooks create|list|delete           cli/commands/webhooks.ts
 *   hookbook variables|credentials|connections ... cli/commands/assets.ts (secrets: cli/prompt.ts)
 *   hookbook worker-groups ...                     cli/commands/workerGroups.ts
 *   hookbook source-controls list|get|create|sync|dry-run|syncs   cli/commands/sourceControls.ts
 *   hookbook completion bash|zsh|powershell        cli/completion.ts
 *   hookbook worker ...                            cli/worker/ (a hybrid worker: its own options and protocol client)
 *
 * Options and --help: cli/args.ts; URL and key: cli/connection.ts; output: cli/output.ts. Every call
 * goes through the one API client in client/.
 * Exit codes: 0 success (job Completed), 1 job Failed, 2 job Stopped, 3 usage, HTTP or network error.
 */
import { parseArgs } from 'node:util';
import { HookbookClient } from '../client';
import { GROUP_NAMES, OPTIONS, USAGE, type Values } from './args';
import { jobs } from './commands/jobs';
import { sourceControls } from './commands/sourceControls';
import { runbooks } from './commands/runbooks';
import { schedules } from './commands/schedules';
import { connections, credentials, variables } from './commands/assets';
import { workerGroups } from './commands/workerGroups';
import { webhooks } from './commands/webhooks';
import { completion } from './completion';
import { workerMain } from './worker/main';
import { resolveConnection } from './connection';
import type { Group } from './context';
import { CliError, EXIT } from './errors';
import { outputFormat, type Io } from './output';

export { EXIT } from './errors';

const GROUPS: Record<string, Group> = {
  runbooks,
  schedules,
  jobs,
  webhooks,
  variables,
  credentials,
  connections,
  'worker-groups': workerGroups,
  'source-controls': sourceControls,
};

/** What shell completion offers: every group with its commands, and every option. */
function commandTree(): Record<string, string[]> {
  return {
    ...Object.fromEntries(Object.entries(GROUPS).map(([g, cmds]) => [g, Object.keys(cmds)])),
    worker: [],
    completion: ['bash', 'zsh', 'powershell'],
  };
}
const optionNames = () => Object.entries(OPTIONS).flatMap(([name, o]) => [`--${name}`, ...('short' in o ? [`-${o.short}`] : [])]);

const groupList = `${GROUP_NAMES.slice(0, -1).join(', ')} or ${GROUP_NAMES.at(-1)}`;

export async function main(
  argv: string[],
  io: Io = { out: process.stdout, err: process.stderr, env: process.env, in: process.stdin },
): Promise<number> {
  if (argv[0] === 'worker') return workerMain(argv.slice(1), io); // a hybrid worker: its own options (cli/worker/)
  let v: Values;
  let positionals: string[];
  try {
    ({ values: v, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    io.err.write(`hookbook: ${(error as Error).message}\nSee hookbook --help.\n`);
    return EXIT.error;
  }
  const [group, cmd, ...rest] = positionals;
  if (v.help || !group) {
    (v.help ? io.out : io.err).write(USAGE);
    return v.help ? EXIT.ok : EXIT.error;
  }
  try {
    // One convention for every command: --output json|table|yaml (--json is --output json).
    v = { ...v, json: outputFormat(v) === 'json' };
    if (group === 'completion') return completion(cmd, io, commandTree(), optionNames());
    const commands = Object.hasOwn(GROUPS, group) ? GROUPS[group] : undefined;
    if (!commands) throw new CliError(`Unknown command group '${group}': use ${groupList}. See hookbook --help.`);
    if (!cmd) throw new CliError(`'hookbook ${group}' needs a command: ${Object.keys(commands).join(', ')}. See hookbook --help.`);
    const command = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
    if (!command) throw new CliError(`Unknown command '${group} ${cmd}': use ${Object.keys(commands).join(', ')}. See hookbook --help.`);
    const connection = resolveConnection(v, io.env);
    const api = new HookbookClient({ url: connection.url, credentials: { key: connection.key } });
    return await command({ pos: rest, v, api, io });
  } catch (error) {
    // ApiError and UnreachableError already read as the CLI's sentences ("GET /api/v1/... failed: HTTP 404: ...").
    const e = error instanceof CliError ? error : new CliError((error as Error).message ?? String(error));
    if (v.json) io.err.write(`${JSON.stringify({ error: e.message })}\n`);
    else io.err.write(`hookbook: ${e.message}\n`);
    return e.code;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
