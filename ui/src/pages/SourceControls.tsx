import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { ConfirmButton, CopyButton, ErrorBox, Page, useAction, useAsync, useCan, useInterval } from '../components';
import { CreatePanel, DataTable, ListView } from '../lists';

/**
 * Source controls (docs/source-control.md): folders of git repositories synced into the runbooks.
 * Readers see them and their sync runs; admins add, change and delete them, sync now or dry-run.
 * The push secret is shown once after create, then dropped from state.
 */

interface SyncSummary {
  runId: string;
  status: SyncStatus;
  commit?: string;
  time: string;
}
type SyncStatus = 'Queued' | 'Running' | 'Succeeded' | 'Failed';
interface SourceControl {
  name: string;
  repoUrl: string;
  branch: string;
  folder: string;
  credential?: string;
  runbookPrefix: string;
  unpublishOnDelete: boolean;
  syncOnSchedule: boolean;
  description: string;
  createdTime: string;
  lastModifiedTime: string;
  syncedCommit?: string;
  lastSync?: SyncSummary;
}
interface SyncItem {
  runbook: string;
  file: string;
  version?: number;
}
interface SyncRun {
  runId: string;
  sourceControl: string;
  trigger: string;
  dryRun: boolean;
  status: SyncStatus;
  statusDetails?: string;
  commit?: string;
  previousCommit?: string;
  added: SyncItem[];
  updated: SyncItem[];
  unpublished: SyncItem[];
  unchanged: number;
  skipped: { path: string; reason: string }[];
  error?: string;
  requestedBy: string;
  createdTime: string;
  startTime?: string;
  endTime?: string;
}

const SYNC_CLASS: Record<SyncStatus, string> = { Queued: 's-Queued', Running: 's-Running', Succeeded: 's-Completed', Failed: 's-Failed' };
export const SyncBadge = ({ status }: { status: SyncStatus }) => <span class={`status ${SYNC_CLASS[status]}`}>{status}</span>;
export const shortCommit = (c: string | undefined): string => (c ? c.slice(0, 10) : '–');

interface Fields {
  repoUrl: string;
  branch: string;
  folder: string;
  credential: string;
  runbookPrefix: string;
  unpublishOnDelete: boolean;
  syncOnSchedule: boolean;
  description: string;
}
const fieldsOf = (s?: SourceControl): Fields => ({
  repoUrl: s?.repoUrl ?? '',
  branch: s?.branch ?? 'main',
  folder: s?.folder ?? '',
  credential: s?.credential ?? '',
  runbookPrefix: s?.runbookPrefix ?? '',
  unpublishOnDelete: s?.unpublishOnDelete ?? false,
  syncOnSchedule: s?.syncOnSchedule ?? true,
  description: s?.description ?? '',
});
/** The API body: an empty credential or prefix is left out of a new one; a cleared credential is `null` in a change. */
function bodyOf(f: Fields, change: boolean): Record<string, unknown> {
  const { credential, runbookPrefix, ...rest } = f;
  return {
    ...rest,
    ...(credential ? { credential } : change ? { credential: null } : {}),
    ...(runbookPrefix || change ? { runbookPrefix } : {}),
  };
}

function SourceFields({ f, set }: { f: Fields; set: (f: Fields) => void }) {
  const input = (k: 'repoUrl' | 'branch' | 'folder' | 'credential' | 'runbookPrefix' | 'description', label: string, placeholder = '') => (
    <label>
      {label}
      <input
        name={k}
        value={f[k]}
        required={k === 'repoUrl'}
        type={k === 'repoUrl' ? 'url' : 'text'}
        placeholder={placeholder}
        onInput={(e) => set({ ...f, [k]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <>
      {input('repoUrl', 'Repository URL', 'https://github.com/contoso/runbooks.git')}
      <div class="row">
        {input('branch', 'Branch', 'main')}
        {input('folder', 'Folder (empty: the root)', 'runbooks')}
      </div>
      <div class="row">
        {input('credential', 'Credential asset (user name and token)', 'github-runbooks')}
        {input('runbookPrefix', 'Runbook name prefix (empty: the default)', 'rjgit-')}
      </div>
      <label class="check">
        <input
          type="checkbox"
          name="unpublishOnDelete"
          checked={f.unpublishOnDelete}
          onChange={(e) => set({ ...f, unpublishOnDelete: e.currentTarget.checked })}
        />
        A removed file deletes its runbook
      </label>
      <label class="check">
        <input
          type="checkbox"
          name="syncOnSchedule"
          checked={f.syncOnSchedule}
          onChange={(e) => set({ ...f, syncOnSchedule: e.currentTarget.checked })}
        />
        Sync on the schedule
      </label>
      {input('description', 'Description')}
    </>
  );
}

function NewSource({ onCreated }: { onCreated: (s: SourceControl, pushSecret: string, pushUrl: string) => void }) {
  const [name, setName] = useState('');
  const [f, setF] = useState<Fields>(fieldsOf());
  const { error, run } = useAction();
  return (
    <form
      class="card form"
      aria-label="New source control"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const { pushSecret, pushUrl, ...s } = await api<SourceControl & { pushSecret: string; pushUrl: string }>(
            'POST',
            '/api/v1/source-controls',
            { name, ...bodyOf(f, false) },
          );
          setName('');
          setF(fieldsOf());
          onCreated(s, pushSecret, pushUrl);
        });
      }}
    >
      <ErrorBox error={error} />
      <label>
        Name
        <input name="name" required value={name} placeholder="team-runbooks" onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <SourceFields f={f} set={setF} />
      <div class="buttons">
        <button type="submit" class="primary">
          Add source control
        </button>
      </div>
    </form>
  );
}

/** The push secret shown once, with the URL the git host's push webhook calls. */
function PushSecret({ name, secret, url, onDismiss }: { name: string; secret: string; url: string; onDismiss: () => void }) {
  return (
    <div class="once" role="status">
      <h3>Push secret of {name}</h3>
      <p class="warn">Copy it now: it is shown this once and cannot be read back later.</p>
      <div class="once-value">
        <code data-testid="shown-once">{secret}</code>
        <CopyButton text={secret} />
      </div>
      <p>The git host's push webhook (docs/source-control.md) calls:</p>
      <div class="once-value">
        <code data-testid="push-url">{url}</code>
        <CopyButton text={url} label="Copy URL" />
      </div>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </div>
  );
}

export function SourceControls() {
  const isAdmin = useCan('admin');
  const sources = useAsync(async () => (await get<{ value: SourceControl[] }>('/api/v1/source-controls')).value, []);
  useInterval(sources.reload, 4000);
  const [open, setOpen] = useState<boolean>();
  const [created, setCreated] = useState<{ name: string; secret: string; url: string }>();
  return (
    <Page title="Source controls">
      <p class="muted">
        Folders of git repositories whose runbooks are synced here: by hand, on the schedule and on every push (docs/source-control.md).
      </p>
      {created && <PushSecret {...created} onDismiss={() => setCreated(undefined)} />}
      {isAdmin && (
        <CreatePanel summary="New source control" open={open ?? sources.data?.length === 0} onToggle={setOpen}>
          <NewSource
            onCreated={(s, secret, url) => {
              setOpen(false);
              setCreated({ name: s.name, secret, url });
              sources.reload();
            }}
          />
        </CreatePanel>
      )}
      <ListView
        error={sources.error}
        items={sources.data}
        empty={<p>No source controls yet.{isAdmin ? ' Add one: a repository URL, a branch and a folder.' : ''}</p>}
        testid="sources"
        columns={['Name', 'Repository', 'Synced commit', 'Last sync']}
        row={(s) => (
          <tr data-source={s.name}>
            <td>
              <a href={`#/source-controls/${encodeURIComponent(s.name)}`}>{s.name}</a>
            </td>
            <td class="ellipsis">
              {s.repoUrl}
              <div class="muted small">
                {s.branch}
                {s.folder ? ` · ${s.folder}/` : ''}
              </div>
            </td>
            <td>
              <code>{shortCommit(s.syncedCommit)}</code>
            </td>
            <td>{s.lastSync ? <SyncBadge status={s.lastSync.status} /> : <span class="muted">never</span>}</td>
          </tr>
        )}
      />
    </Page>
  );
}

const items = (label: string, list: SyncItem[]) =>
  list.length > 0 && (
    <p>
      <b>{label}:</b>{' '}
      {list.map((i, n) => (
        <>
          {n > 0 && ', '}
          <a href={`#/runbooks/${encodeURIComponent(i.runbook)}`} title={i.file}>
            {i.runbook}
          </a>
          {i.version ? ` v${i.version}` : ''}
        </>
      ))}
    </p>
  );

/** One sync run as its log: what it fetched, what it changed, what it skipped and why. */
function RunLog({ run }: { run: SyncRun }) {
  return (
    <details class="card run" data-run={run.runId} data-status={run.status} open={run.status === 'Failed' || undefined}>
      <summary>
        <SyncBadge status={run.status} /> {run.dryRun && <b>dry run</b>} {when(run.createdTime)} · {run.trigger} by {run.requestedBy}
        {run.commit && (
          <>
            {' '}
            · commit <code>{shortCommit(run.commit)}</code>
          </>
        )}{' '}
        · +{run.added.length} ~{run.updated.length} −{run.unpublished.length}
        {run.skipped.length ? ` · ${run.skipped.length} skipped` : ''}
      </summary>
      {run.error && (
        <p class="error" data-testid="sync-error">
          {run.error}
        </p>
      )}
      {run.statusDetails && <p class="muted">{run.statusDetails}</p>}
      <p class="muted small">
        {run.previousCommit && (
          <>
            from <code>{shortCommit(run.previousCommit)}</code>{' '}
          </>
        )}
        {run.commit && (
          <>
            to <code title={run.commit}>{run.commit}</code> ·{' '}
          </>
        )}
        started {when(run.startTime)}, ended {when(run.endTime)} · {run.unchanged} unchanged
      </p>
      {items(run.dryRun ? 'Would add' : 'Added', run.added)}
      {items(run.dryRun ? 'Would update' : 'Updated', run.updated)}
      {items(run.dryRun ? 'Would unpublish' : 'Unpublished', run.unpublished)}
      {run.skipped.length > 0 && (
        <DataTable
          testid="skipped"
          columns={['Skipped file', 'Why']}
          rows={run.skipped}
          row={(s) => (
            <tr>
              <td>
                <code>{s.path}</code>
              </td>
              <td>{s.reason}</td>
            </tr>
          )}
        />
      )}
    </details>
  );
}

export function SourceControlPage({ name }: { name: string }) {
  const path = `/api/v1/source-controls/${encodeURIComponent(name)}`;
  const isAdmin = useCan('admin');
  const source = useAsync(() => get<SourceControl>(path), [name]);
  const runs = useAsync(async () => (await get<{ value: SyncRun[] }>(`${path}/syncs?top=20`)).value, [name]);
  const busy = runs.data?.some((r) => r.status === 'Queued' || r.status === 'Running');
  // Runs move Queued → Running → done within seconds: read often while one is under way.
  useInterval(() => (runs.reload(), busy && source.reload()), busy ? 1500 : 5000);
  const [f, setF] = useState<Fields>();
  const { error, run } = useAction();
  const [note, setNote] = useState<string>();
  const act = (g: () => Promise<unknown>) => (setNote(undefined), run(g));
  const s = source.data;
  const form = f ?? (s ? fieldsOf(s) : undefined);
  const sync = (dryRun: boolean) =>
    act(async () => {
      await api('POST', `${path}/sync${dryRun ? '?dryRun=true' : ''}`);
      runs.reload();
    });
  return (
    <Page
      title={`Source control ${name}`}
      actions={
        isAdmin &&
        s && (
          <>
            <button type="button" class="primary" onClick={() => sync(false)}>
              Sync now
            </button>
            <button type="button" onClick={() => sync(true)}>
              Dry run
            </button>
          </>
        )
      }
    >
      <p>
        <a href="#/source-controls">← All source controls</a>
      </p>
      <ErrorBox error={source.error ?? error} />
      {note && <p role="status">{note}</p>}
      {s && (
        <table class="kv" data-testid="source-facts">
          <tbody>
            <tr>
              <th>Repository</th>
              <td>
                <code>{s.repoUrl}</code> · branch <code>{s.branch}</code> · folder <code>{s.folder || '/'}</code>
              </td>
            </tr>
            <tr>
              <th>Credential</th>
              <td>
                {s.credential ? (
                  <a href={`#/assets/credentials/${encodeURIComponent(s.credential)}`}>{s.credential}</a>
                ) : (
                  'none (a public repository)'
                )}
              </td>
            </tr>
            <tr>
              <th>Runbooks</th>
              <td>
                named <code>{s.runbookPrefix}…</code>; a removed file{' '}
                {s.unpublishOnDelete ? 'deletes its runbook' : 'leaves its runbook at its last version'};{' '}
                {s.syncOnSchedule ? 'synced on the schedule' : 'not on the schedule'}
              </td>
            </tr>
            <tr>
              <th>Synced commit</th>
              <td>
                <code>{s.syncedCommit ?? 'none yet'}</code>
              </td>
            </tr>
            {s.description && (
              <tr>
                <th>Description</th>
                <td>{s.description}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {isAdmin && s && form && (
        <details class="create">
          <summary>Change</summary>
          <form
            class="card form"
            aria-label={`Change ${name}`}
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await api('PATCH', path, bodyOf(form, true));
                setF(undefined);
                setNote('Saved: the next sync uses it.');
                source.reload();
              });
            }}
          >
            <SourceFields f={form} set={setF} />
            <div class="buttons">
              <button type="submit" class="primary">
                Save
              </button>
              <ConfirmButton
                label="Delete"
                confirm={`Delete ${name}: its runbooks stay, as API runbooks`}
                onConfirm={() => act(async () => (await api('DELETE', path), (location.hash = '#/source-controls')))}
              />
            </div>
          </form>
        </details>
      )}
      <h2>Sync runs</h2>
      <ErrorBox error={runs.error} />
      {runs.data?.length === 0 && <p class="muted">No sync yet.{isAdmin ? ' Press Sync now.' : ''}</p>}
      <div data-testid="runs">
        {runs.data?.map((r) => (
          <RunLog key={r.runId} run={r} />
        ))}
      </div>
    </Page>
  );
}
