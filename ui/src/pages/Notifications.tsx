import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { DeliveriesTable, type Delivery } from './deliveries';
import { ConfirmButton, ErrorBox, Page, ShownOnce, useAction, useAsync, useCan, useInterval } from '../components';
import { CreatePanel, ListView } from '../lists';

/**
 * Notification targets (docs/notifications.md, admin): the list, a new target with its filters, the
 * signing secret shown once (after create and after a rotation, then dropped from state), a target's
 * settings and its deliveries with every attempt, each can be sent again.
 */

const EVENTS = ['job.started', 'job.completed', 'job.failed', 'job.stopped'] as const;
const FORMATS = ['standard-webhooks', 'github', 'teams', 'slack'] as const;
const STARTED_BY = ['webhook', 'schedule', 'api'] as const;

export interface Target {
  name: string;
  url: string;
  format: (typeof FORMATS)[number];
  enabled: boolean;
  disabledReason?: string;
  description: string;
  events: string[];
  runbooks?: string[];
  startedBy?: string[];
  onlyAfterConsecutiveFailures?: number;
  onRecovery?: boolean;
  secretRotatedTime?: string;
  previousSecretValidUntil?: string;
  createdTime: string;
  lastModifiedTime: string;
}
/** The filters of a target as a form: the same fields for a new one and a change. */
interface Fields {
  url: string;
  description: string;
  events: string[];
  runbooks: string;
  startedBy: string[];
  failures: string;
  onRecovery: boolean;
}
const fieldsOf = (t?: Target): Fields => ({
  url: t?.url ?? '',
  description: t?.description ?? '',
  events: t?.events ?? ['job.completed', 'job.failed', 'job.stopped'],
  runbooks: (t?.runbooks ?? []).join(', '),
  startedBy: t?.startedBy ?? [],
  failures: t?.onlyAfterConsecutiveFailures ? String(t.onlyAfterConsecutiveFailures) : '',
  onRecovery: t?.onRecovery ?? false,
});
const toggle = (list: string[], v: string, on: boolean) => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));

function FilterFields({ f, set, masked }: { f: Fields; set: (f: Fields) => void; masked?: boolean }) {
  return (
    <>
      <label>
        Receiver URL
        <input
          name="url"
          type="url"
          required={!masked}
          value={f.url}
          placeholder={masked ? 'unchanged (the URL holds the secret)' : 'https://ops.example/hookbook'}
          onInput={(e) => set({ ...f, url: e.currentTarget.value })}
        />
      </label>
      <fieldset class="params">
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label class="check">
            <input
              type="checkbox"
              name="events"
              value={ev}
              checked={f.events.includes(ev)}
              onChange={(e) => set({ ...f, events: toggle(f.events, ev, e.currentTarget.checked) })}
            />
            {ev}
          </label>
        ))}
      </fieldset>
      <label>
        Runbooks (every job of these; names or patterns with <code>*</code>, comma separated)
        <input
          name="runbooks"
          value={f.runbooks}
          placeholder="rjgit-user_*"
          onInput={(e) => set({ ...f, runbooks: e.currentTarget.value })}
        />
      </label>
      <fieldset class="params">
        <legend>Only jobs started by (none ticked: any)</legend>
        {STARTED_BY.map((s) => (
          <label class="check">
            <input
              type="checkbox"
              name="startedBy"
              value={s}
              checked={f.startedBy.includes(s)}
              onChange={(e) => set({ ...f, startedBy: toggle(f.startedBy, s, e.currentTarget.checked) })}
            />
            {s}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <label>
          job.failed only after this many failures in a row
          <input
            name="onlyAfterConsecutiveFailures"
            type="number"
            min={1}
            max={100}
            value={f.failures}
            onInput={(e) => set({ ...f, failures: e.currentTarget.value })}
          />
        </label>
        <label class="check">
          <input
            name="onRecovery"
            type="checkbox"
            checked={f.onRecovery}
            onChange={(e) => set({ ...f, onRecovery: e.currentTarget.checked })}
          />
          job.completed only on recovery
        </label>
      </div>
      <label>
        Description
        <input name="description" value={f.description} onInput={(e) => set({ ...f, description: e.currentTarget.value })} />
      </label>
    </>
  );
}

/** The body for the API: a cleared filter is left out of a new target and `null` in a change. */
function bodyOf(f: Fields, change: boolean): Record<string, unknown> {
  const runbooks = f.runbooks
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const none = change ? null : undefined;
  const body: Record<string, unknown> = {
    description: f.description,
    events: f.events,
    runbooks: runbooks.length ? runbooks : none,
    startedBy: f.startedBy.length ? f.startedBy : none,
    onlyAfterConsecutiveFailures: f.failures ? Number(f.failures) : none,
    onRecovery: f.onRecovery ? true : none,
  };
  if (f.url) body.url = f.url;
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

function NewTarget({ onCreated }: { onCreated: (t: Target, secret?: string) => void }) {
  const [name, setName] = useState('');
  const [format, setFormat] = useState<string>('standard-webhooks');
  const [f, setF] = useState<Fields>(fieldsOf());
  const { error, run } = useAction();
  return (
    <form
      class="card form"
      aria-label="New notification target"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const created = await api<Target & { secret?: string }>('POST', '/api/v1/notification-targets', {
            name,
            format,
            ...bodyOf(f, false),
          });
          const { secret, ...target } = created;
          setName('');
          setF(fieldsOf());
          onCreated(target, secret);
        });
      }}
    >
      <ErrorBox error={error} />
      <div class="row">
        <label>
          Name
          <input name="name" required value={name} placeholder="ops-failures" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Format
          <select name="format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
            {FORMATS.map((x) => (
              <option value={x}>{x}</option>
            ))}
          </select>
        </label>
      </div>
      <FilterFields f={f} set={setF} />
      <div class="buttons">
        <button type="submit" class="primary">
          Create target
        </button>
      </div>
    </form>
  );
}

export function NotificationTargets() {
  const isAdmin = useCan('admin');
  const targets = useAsync(async () => (await get<{ value: Target[] }>('/api/v1/notification-targets')).value, []);
  const [open, setOpen] = useState<boolean>();
  // The secret lives here only until it is dismissed or the page is left: never stored, never read back.
  const [secret, setSecret] = useState<{ name: string; value: string }>();
  useInterval(targets.reload, 5000);
  return (
    <Page title="Notifications">
      <p class="muted">
        Targets told when a job starts or ends: a signed <code>POST</code> per event, retried, each attempt kept (docs/notifications.md).
      </p>
      {secret && <ShownOnce title={`Signing secret of ${secret.name}`} value={secret.value} onDismiss={() => setSecret(undefined)} />}
      {isAdmin && (
        <CreatePanel summary="New notification target" open={open ?? targets.data?.length === 0} onToggle={setOpen}>
          <NewTarget
            onCreated={(t, s) => {
              setOpen(false);
              if (s) setSecret({ name: t.name, value: s });
              targets.reload();
            }}
          />
        </CreatePanel>
      )}
      <ListView
        error={targets.error}
        items={targets.data}
        empty={<p>No notification targets yet.</p>}
        testid="targets"
        columns={['Name', 'Format', 'URL', 'Events', 'Runbooks', 'State']}
        row={(t) => (
          <tr data-target={t.name}>
            <td>
              <a href={`#/notifications/${encodeURIComponent(t.name)}`}>{t.name}</a>
            </td>
            <td>{t.format}</td>
            <td class="ellipsis">{t.url}</td>
            <td>{t.events.join(', ')}</td>
            <td>{t.runbooks?.join(', ') || <span class="muted">named ones</span>}</td>
            <td>
              {t.enabled ? 'enabled' : <span title={t.disabledReason}>disabled{t.disabledReason ? ': ' + t.disabledReason : ''}</span>}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}

export function NotificationTargetPage({ name }: { name: string }) {
  const path = `/api/v1/notification-targets/${encodeURIComponent(name)}`;
  const target = useAsync(() => get<Target>(path), [name]);
  const deliveries = useAsync(async () => (await get<{ value: Delivery[] }>(`${path}/deliveries?top=100`)).value, [name]);
  useInterval(deliveries.reload, 3000);
  const isAdmin = useCan('admin');
  const [f, setF] = useState<Fields>();
  const [secret, setSecret] = useState<string>();
  const { error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const act = (g: () => Promise<unknown>) => (setSaved(false), run(g));
  const t = target.data;
  const chat = t?.format === 'teams' || t?.format === 'slack';
  const form = f ?? (t ? { ...fieldsOf(t), url: chat ? '' : t.url } : undefined);
  return (
    <Page title={`Notification target ${name}`}>
      <p>
        <a href="#/notifications">← All targets</a>
      </p>
      <ErrorBox error={target.error} />
      {secret && <ShownOnce title={`New signing secret of ${name}`} value={secret} onDismiss={() => setSecret(undefined)} />}
      <ErrorBox error={error} />
      {t && (
        <p class="muted" data-testid="target-facts">
          {t.format} · {t.enabled ? 'enabled' : `disabled${t.disabledReason ? `: ${t.disabledReason}` : ''}`} · created{' '}
          {when(t.createdTime)}
          {t.secretRotatedTime && ` · secret rotated ${when(t.secretRotatedTime)}`}
          {t.previousSecretValidUntil && `, the previous one signs until ${when(t.previousSecretValidUntil)}`}
        </p>
      )}
      {t && form && isAdmin && (
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
                setSaved(true);
                target.reload();
              });
            }}
          >
            <FilterFields f={form} set={setF} masked={chat} />
            <div class="buttons">
              <button type="submit" class="primary">
                Save
              </button>
              {saved && <span role="status">Saved.</span>}
            </div>
          </form>
        </details>
      )}
      {t && isAdmin && (
        <div class="buttons spaced">
          <button type="button" onClick={() => act(async () => (await api('PATCH', path, { enabled: !t.enabled }), target.reload()))}>
            {t.enabled ? 'Disable' : 'Enable'}
          </button>
          {!chat && (
            <ConfirmButton
              label="Rotate secret"
              confirm="Rotate: the old secret signs for one more day"
              onConfirm={() =>
                act(async () => (setSecret((await api<{ secret: string }>('POST', `${path}/rotate-secret`, {})).secret), target.reload()))
              }
            />
          )}
          <ConfirmButton
            label="Delete"
            confirm={`Delete ${name} (its deliveries stay readable)`}
            onConfirm={() => act(async () => (await api('DELETE', path), (location.hash = '#/notifications')))}
          />
        </div>
      )}
      <h2>Deliveries</h2>
      <ErrorBox error={deliveries.error} />
      {deliveries.data?.length === 0 && <p class="muted">None yet: a job this target hears about makes one.</p>}
      {!!deliveries.data?.length && (
        <DeliveriesTable
          deliveries={deliveries.data}
          onRedeliver={
            isAdmin
              ? (d) =>
                  void act(
                    async () => (
                      await api('POST', `${path}/deliveries/${encodeURIComponent(d.deliveryId)}/redeliver`),
                      deliveries.reload()
                    ),
                  )
              : undefined
          }
        />
      )}
    </Page>
  );
}
