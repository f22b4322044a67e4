/** hookbook source-controls list|get|create|sync|dry-run|syncs (docs/source-control.md) */
import type { SourceControl, SyncRun } from '../../shared/model/sourceControl';
import { need, type Command, type Group } from '../context';
import { CliError, EXIT } from '../errors';
import { printer, table } from '../output';
import { readJsonArg } from '../parameters';

const enc = encodeURIComponent;

/** The run as lines: what it synced, changed and skipped, and why it failed. */
function describeRun(r: SyncRun): string {
  const lines = [
    `Sync ${r.runId} of ${r.sourceControl}${r.dryRun ? ' (dry run: nothing changed)' : ''}: ${r.status}${r.commit ? ` at ${r.commit.slice(0, 12)}` : ''}`,
    ...(r.error ? [`error: ${r.error}`] : []),
    ...(r.statusDetails ? [r.statusDetails] : []),
    ...r.added.map((x) => `  added        ${x.runbook} (${x.file}, version ${x.version})`),
    ...r.updated.map((x) => `  updated      ${x.runbook} (${x.file}, version ${x.version})`),
    ...r.unpublished.map((x) => `  unpublished  ${x.runbook} (${x.file})`),
    ...r.skipped.map((x) => `  skipped      ${x.path}: ${x.reason}`),
    ...(r.status === 'Succeeded' ? [`  unchanged    ${r.unchanged}`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** Queue a sync; with --follow, wait for its end (exit 1 when it failed). */
async function sync({ pos, v, api, io }: Command, dryRun: boolean): Promise<number> {
  const name = need(pos, 0, 'source control name');
  let run = await api.call<SyncRun>('POST', `/api/v1/source-controls/${enc(name)}/sync${dryRun ? '?dryRun=true' : ''}`);
  if (v.follow || dryRun) {
    const deadline = Date.now() + 15 * 60_000;
    while (run.status === 'Queued' || run.status === 'Running') {
      if (Date.now() > deadline) throw new CliError(`Sync ${run.runId} has not ended after 15 minutes.`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      run = await api.call<SyncRun>('GET', `/api/v1/source-controls/${enc(name)}/syncs/${run.runId}`);
    }
  }
  printer(v, io)(run, () => describeRun(run));
  return run.status === 'Failed' ? EXIT.failed : EXIT.ok;
}

export const sourceControls: Group = {
  async list({ v, api, io }) {
    const { value } = await api.call<{ value: SourceControl[] }>('GET', '/api/v1/source-controls');
    printer(v, io)(value, () =>
      table([
        ['NAME', 'REPOSITORY', 'BRANCH', 'FOLDER', 'LAST SYNC', 'COMMIT'],
        ...value.map((s) => [
          s.name,
          s.repoUrl,
          s.branch,
          s.folder || '/',
          s.lastSync ? `${s.lastSync.status} ${s.lastSync.time}` : 'never',
          s.syncedCommit?.slice(0, 12) ?? '',
        ]),
      ]),
    );
    return EXIT.ok;
  },

  async get({ pos, v, api, io }) {
    const s = await api.call<SourceControl>('GET', `/api/v1/source-controls/${enc(need(pos, 0, 'source control name'))}`);
    printer(v, io)(s, () => `${JSON.stringify(s, null, 2)}\n`);
    return EXIT.ok;
  },

  /** The definition from --file (JSON, as POST /api/v1/source-controls takes it); the name from the argument. */
  async create({ pos, v, api, io }) {
    const name = need(pos, 0, 'source control name');
    if (!v.file) throw new CliError('source-controls create needs --file <source.json> (repoUrl, branch, folder, credential, ...).');
    const body = readJsonArg(`@${v.file}`, '--file');
    const created = await api.call<SourceControl & { pushSecret: string; pushUrl: string }>('POST', '/api/v1/source-controls', {
      ...(body as object),
      name,
    });
    printer(v, io)(
      created,
      () =>
        `Source control ${created.name} created (${created.repoUrl} ${created.branch}:/${created.folder}).\n` +
        `Push webhook URL: ${created.pushUrl}\nPush secret (shown only now, keep it secret): ${created.pushSecret}\n`,
    );
    return EXIT.ok;
  },

  sync: (c) => sync(c, false),
  'dry-run': (c) => sync(c, true),

  async syncs({ pos, v, api, io }) {
    const name = need(pos, 0, 'source control name');
    const { value } = await api.call<{ value: SyncRun[] }>(
      'GET',
      `/api/v1/source-controls/${enc(name)}/syncs${v.top ? `?top=${enc(v.top)}` : ''}`,
    );
    printer(v, io)(value, () =>
      table([
        ['RUN', 'TRIGGER', 'STATUS', 'COMMIT', 'ADDED', 'UPDATED', 'UNPUBLISHED', 'SKIPPED', 'ENDED'],
        ...value.map((r) => [
          r.runId,
          r.trigger + (r.dryRun ? ' (dry)' : ''),
          r.status,
          r.commit?.slice(0, 12) ?? '',
          String(r.added.length),
          String(r.updated.length),
          String(r.unpublished.length),
          String(r.skipped.length),
          r.endTime ?? '',
        ]),
      ]),
    );
    return EXIT.ok;
  },
};
