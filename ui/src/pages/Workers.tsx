import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { shortId, when } from '../lib/format';
import { ConfirmButton, ConfirmChoice, CopyButton, Empty, ErrorBox, Page, useAction, useAsync, useCan, useInterval } from '../components';
import { CreatePanel, DataTable } from '../lists';
import type { Job } from './Jobs';

/**
 * Hybrid worker groups (docs/hybrid-workers.md): each group's live workers as they last said hello,
 * the jobs waiting for it with the reason, its registration keys (admins), and deleting it with what
 * happens to its jobs said before it is confirmed. Read again every 3 s: workers come and go.
 */

interface WorkerView {
  name: string;
  host: string;
  version: string;
  os?: string;
  capabilities: string[];
  concurrency: number;
  lastSeen: string;
  runningJobs: string[];
  live: boolean;
}
interface Group {
  name: string;
  description?: string;
  createdTime: string;
  workers: WorkerView[];
}
interface RegistrationKey {
  keyId: string;
  group: string;
  description?: string;
  createdTime: string;
}

const ago = (iso: string, now: number): string => {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : when(iso);
};

/** The key, shown once, with the command line that starts a worker with it. */
function NewKey({ group, secret, onDismiss }: { group: string; secret: string; onDismiss: () => void }) {
  const command = `export HOOKBOOK_WORKER_KEY='${secret}'\nnpx hookbook worker --url ${location.origin} --group ${group}`;
  return (
    <div class="once" role="status">
      <h3>Registration key for {group}</h3>
      <p class="warn">Copy it now: it is shown this once and cannot be read back later.</p>
      <div class="once-value">
        <code data-testid="shown-once">{secret}</code>
        <CopyButton text={secret} />
      </div>
      <p>On the machine that runs the worker (Node 20+ and Hookbook installed, docs/hybrid-workers.md):</p>
      <div class="once-value">
        <pre data-testid="worker-command">{command}</pre>
        <CopyButton text={command} label="Copy command" />
      </div>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </div>
  );
}

function Keys({ group, waiting }: { group: string; waiting: number }) {
  const keys = useAsync(async () => (await get<{ value: RegistrationKey[] }>(`/api/v1/workerGroups/${group}/keys`)).value, [group]);
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<string>();
  const { error, run } = useAction();
  const act = (f: () => Promise<unknown>) => run(f).then(keys.reload);
  return (
    <section aria-label={`Registration keys of ${group}`}>
      <h3>Registration keys</h3>
      {secret && <NewKey group={group} secret={secret} onDismiss={() => setSecret(undefined)} />}
      <ErrorBox error={error ?? keys.error} />
      <form
        class="form inline-form"
        aria-label={`New registration key for ${group}`}
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const k = await api<{ key: string }>('POST', `/api/v1/workerGroups/${group}/keys`, description ? { description } : {});
            setDescription('');
            setSecret(k.key);
          });
        }}
      >
        <label>
          Description
          <input
            name="description"
            value={description}
            placeholder="e.g. srv-ops-01"
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          Create key
        </button>
      </form>
      {keys.data?.length === 0 && (
        <p class="muted">
          No keys: no worker can join {group}
          {waiting ? `, and ${waiting} job(s) wait for one` : ''}.
        </p>
      )}
      {!!keys.data?.length && (
        <DataTable
          testid={`keys-${group}`}
          columns={['Key id', 'Description', 'Created', '']}
          rows={keys.data}
          row={(k) => (
            <tr data-key={k.keyId}>
              <td>
                <code>{k.keyId}</code>
              </td>
              <td>{k.description ?? ''}</td>
              <td>{when(k.createdTime)}</td>
              <td>
                <ConfirmButton
                  label="Revoke"
                  confirm={`Revoke ${k.keyId}: its workers are locked out`}
                  onConfirm={() => act(() => api('DELETE', `/api/v1/workerGroups/${group}/keys/${k.keyId}`))}
                />
              </td>
            </tr>
          )}
        />
      )}
    </section>
  );
}

function GroupCard({ group, waiting, now, onDeleted }: { group: Group; waiting: Job[]; now: number; onDeleted: () => void }) {
  const isAdmin = useCan('admin');
  const { error, run } = useAction();
  const [asking, setAsking] = useState(false);
  const live = group.workers.filter((w) => w.live);
  const gone = group.workers.filter((w) => !w.live);
  const running = live.reduce((n, w) => n + w.runningJobs.length, 0);
  const capacity = live.reduce((n, w) => n + w.concurrency, 0);
  const consequence =
    `Deleting ${group.name}: its registration keys are revoked and its ${live.length} live worker(s) locked out at once ` +
    `(they stop their runbooks); its ${running} running and ${waiting.length} waiting job(s) end at once as Failed, ` +
    `"The worker group '${group.name}' was deleted." (Stopped for one already being stopped).`;
  return (
    <section class="card group" data-group={group.name} aria-labelledby={`group-${group.name}`}>
      <header class="page-head">
        <div>
          <h2 id={`group-${group.name}`}>{group.name}</h2>
          <span class="muted small">
            {group.description ? `${group.description} · ` : ''}
            {live.length} live worker(s), {running} of {capacity} slot(s) busy, {waiting.length} job(s) waiting
          </span>
        </div>
        {isAdmin && !asking && (
          <div class="actions">
            <button type="button" class="danger" onClick={() => setAsking(true)}>
              Delete group
            </button>
          </div>
        )}
      </header>
      {asking && (
        <div class="once" role="alert" data-testid="delete-consequence">
          <p>{consequence}</p>
          <ConfirmChoice
            confirm={`Delete ${group.name}`}
            onConfirm={() => run(async () => (await api('DELETE', `/api/v1/workerGroups/${group.name}`), onDeleted()))}
            onClose={() => setAsking(false)}
          />
        </div>
      )}
      <ErrorBox error={error} />
      <h3>Workers</h3>
      {live.length === 0 ? (
        <p class="muted" data-testid="no-workers">
          No live worker{gone.length ? ` (${gone.length} not heard from lately)` : ''}. {isAdmin ? 'Create' : 'An admin creates'} a
          registration key; <code>hookbook worker</code> started with it joins the group.
        </p>
      ) : (
        <DataTable
          testid={`workers-${group.name}`}
          columns={['Name', 'Version', 'Runs', 'Last seen', 'Running jobs', { label: 'Concurrency', class: 'num' }]}
          rows={live}
          row={(w) => (
            <tr data-worker={w.name}>
              <td>
                <span class="status s-Completed" title="live">
                  live
                </span>{' '}
                {w.name}
                <div class="muted small">
                  {w.host}
                  {w.os ? ` · ${w.os}` : ''}
                </div>
              </td>
              <td>{w.version}</td>
              <td>{w.capabilities.join(', ') || <span class="muted">nothing</span>}</td>
              <td title={when(w.lastSeen)}>{ago(w.lastSeen, now)}</td>
              <td data-testid="running-jobs">
                {w.runningJobs.length === 0 && <span class="muted">idle</span>}
                {w.runningJobs.map((id, i) => (
                  <>
                    {i > 0 && ', '}
                    <a href={`#/jobs/${id}`} title={id}>
                      {shortId(id)}
                    </a>
                  </>
                ))}
              </td>
              <td class="num">{w.concurrency}</td>
            </tr>
          )}
        />
      )}
      {live.length > 0 && gone.length > 0 && (
        <p class="muted small">Not heard from lately: {gone.map((w) => `${w.name} (last seen ${ago(w.lastSeen, now)})`).join(', ')}</p>
      )}
      <h3>Waiting for this group</h3>
      {waiting.length === 0 ? (
        <p class="muted">No job waits.</p>
      ) : (
        <DataTable
          testid={`waiting-${group.name}`}
          columns={['Job', 'Runbook', 'Queued', 'Why it waits']}
          rows={waiting}
          row={(j) => (
            <tr data-job={j.jobId}>
              <td>
                <a href={`#/jobs/${j.jobId}`} title={j.jobId}>
                  {shortId(j.jobId)}
                </a>
              </td>
              <td>{j.runbook}</td>
              <td>{when(j.createdTime)}</td>
              <td>{j.statusDetails || <span class="muted">next in line</span>}</td>
            </tr>
          )}
        />
      )}
      {isAdmin && <Keys group={group.name} waiting={waiting.length} />}
    </section>
  );
}

function NewGroup({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { error, run } = useAction();
  return (
    <form
      class="card form"
      aria-label="New worker group"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await api('POST', '/api/v1/workerGroups', { name, ...(description ? { description } : {}) });
          setName('');
          setDescription('');
          onCreated();
        });
      }}
    >
      <ErrorBox error={error} />
      <div class="row">
        <label>
          Name
          <input
            name="name"
            required
            value={name}
            placeholder="lower-case letters, digits, hyphens"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label>
          Description
          <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
      </div>
      <div class="buttons">
        <button type="submit" class="primary">
          Create group
        </button>
      </div>
    </form>
  );
}

export function Workers() {
  const isAdmin = useCan('admin');
  const groups = useAsync(async () => (await get<{ value: Group[] }>('/api/v1/workerGroups')).value, []);
  // Queued jobs name their group in runOn; the newest 500 are plenty to say what waits.
  const queued = useAsync(async () => (await get<{ value: Job[] }>('/api/v1/jobs?status=Queued&top=500')).value, []);
  const [now, setNow] = useState(Date.now());
  const [open, setOpen] = useState<boolean>();
  useInterval(() => (groups.reload(), setNow(Date.now())), 3000);
  // A status filter reads the job partitions through (as the sweeper does): every 6 s is enough.
  useInterval(queued.reload, 6000);
  return (
    <Page title="Hybrid workers">
      <p class="muted">
        Groups of <code>hookbook worker</code> processes on your own machines; a runbook or a start with <code>runOn</code> set to a group
        runs there (docs/hybrid-workers.md).
      </p>
      {isAdmin && (
        <CreatePanel summary="New worker group" open={open ?? groups.data?.length === 0} onToggle={setOpen}>
          <NewGroup onCreated={() => (setOpen(false), groups.reload())} />
        </CreatePanel>
      )}
      <ErrorBox error={groups.error ?? queued.error} />
      {groups.data?.length === 0 && (
        <Empty>
          <p>No worker groups yet.{isAdmin ? ' Create one, then a registration key for its workers.' : ''}</p>
        </Empty>
      )}
      {groups.data?.map((g) => (
        <GroupCard
          key={g.name}
          group={g}
          now={now}
          waiting={(queued.data ?? []).filter((j) => j.runOn === g.name)}
          onDeleted={groups.reload}
        />
      ))}
    </Page>
  );
}
