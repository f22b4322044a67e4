import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { ConfirmButton, ErrorBox, Page, ShownOnce, useAction, useAsync, useCan } from '../components';
import { ListView } from '../lists';
import type { Runbook } from './Runbooks';

interface Webhook {
  name: string;
  runbook: string;
  isEnabled: boolean;
  isExpired: boolean;
  expiryTime: string;
  description?: string;
  creationTime: string;
  lastInvokedTime: string | null;
}

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

function CreateWebhook({ runbooks, onCreated }: { runbooks: Runbook[]; onCreated: (uri: string) => void }) {
  const [name, setName] = useState('');
  const [runbook, setRunbook] = useState(runbooks[0]?.name ?? '');
  const [expiry, setExpiry] = useState(inAYear);
  const [parameters, setParameters] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const body: Record<string, unknown> = { name, runbook, expiryTime: new Date(`${expiry}T00:00:00Z`).toISOString() };
      if (parameters.trim()) body.parameters = JSON.parse(parameters);
      const created = await api<{ uri: string }>('POST', '/api/v1/webhooks', body);
      setName('');
      onCreated(created.uri);
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error('Parameters must be a JSON object such as {"Name": "value"}.') : err);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New webhook">
      <h2>New webhook</h2>
      <ErrorBox error={error} />
      <div class="row">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Runbook
          <select name="runbook" value={runbook} onChange={(e) => setRunbook(e.currentTarget.value)}>
            {runbooks.map((r) => (
              <option value={r.name}>{r.name}</option>
            ))}
          </select>
        </label>
        <label>
          Expires
          <input name="expiry" type="date" required value={expiry} onInput={(e) => setExpiry(e.currentTarget.value)} />
        </label>
      </div>
      <label>
        Fixed parameters (JSON, optional)
        <textarea
          name="parameters"
          rows={2}
          value={parameters}
          onInput={(e) => setParameters(e.currentTarget.value)}
          placeholder='{"Environment": "prod"}'
        />
      </label>
      <p class="hint">Signatures, parameter mapping, rate limits and Entra ID: see docs/webhooks.md (API or CLI).</p>
      <div class="buttons">
        <button type="submit" class="primary" disabled={!runbook}>
          Create webhook
        </button>
      </div>
    </form>
  );
}

export function Webhooks() {
  const isAdmin = useCan('admin');
  // Asked even without the admin role (the link is not offered then): the API's own answer says why not.
  const list = useAsync(async () => (await get<{ value: Webhook[] }>('/api/v1/webhooks')).value, []);
  const runbooks = useAsync(async () => (await get<{ value: Runbook[] }>('/api/v1/runbooks')).value.filter((r) => r.version > 0), []);
  const [uri, setUri] = useState<string>();
  const [extend, setExtend] = useState<Record<string, string>>({});
  const { error, run } = useAction();
  const act = (f: () => Promise<unknown>) => run(async () => (await f(), list.reload()));
  if (!isAdmin)
    return (
      <Page title="Webhooks">
        <ErrorBox error={list.error} />
        <p class="muted">Webhooks are managed by admins.</p>
      </Page>
    );
  return (
    <Page title="Webhooks">
      {uri && <ShownOnce title="Webhook URL" value={uri} onDismiss={() => setUri(undefined)} />}
      {runbooks.data &&
        (runbooks.data.length ? (
          <CreateWebhook runbooks={runbooks.data} onCreated={(u) => (setUri(u), list.reload())} />
        ) : (
          <p class="muted">Publish a runbook first: a webhook starts a published runbook.</p>
        ))}
      <ListView
        error={list.error ?? error}
        items={list.data}
        empty={<p>No webhooks yet.</p>}
        testid="webhooks-table"
        columns={['Name', 'Runbook', 'Enabled', 'Expires', 'Last call', '']}
        row={(w) => (
          <tr data-webhook={w.name}>
            <td>{w.name}</td>
            <td>
              <a href={`#/runbooks/${encodeURIComponent(w.runbook)}`}>{w.runbook}</a>
            </td>
            <td>
              <label class="switch">
                <input
                  type="checkbox"
                  checked={w.isEnabled}
                  aria-label={`${w.name} enabled`}
                  onChange={(e) =>
                    act(() => api('PATCH', `/api/v1/webhooks/${encodeURIComponent(w.name)}`, { isEnabled: e.currentTarget.checked }))
                  }
                />
                {w.isEnabled ? 'on' : 'off'}
              </label>
            </td>
            <td>
              {w.isExpired ? <span class="status s-Failed">expired</span> : when(w.expiryTime)}
              {!w.isExpired && (
                <span class="inline">
                  <input
                    type="date"
                    aria-label={`new expiry of ${w.name}`}
                    value={extend[w.name] ?? ''}
                    onInput={(e) => setExtend({ ...extend, [w.name]: e.currentTarget.value })}
                  />
                  <button
                    type="button"
                    disabled={!extend[w.name]}
                    onClick={() =>
                      act(() =>
                        api('PATCH', `/api/v1/webhooks/${encodeURIComponent(w.name)}`, {
                          expiryTime: new Date(`${extend[w.name]}T00:00:00Z`).toISOString(),
                        }),
                      )
                    }
                  >
                    Set
                  </button>
                </span>
              )}
            </td>
            <td>{when(w.lastInvokedTime)}</td>
            <td>
              <ConfirmButton
                label="Delete"
                confirm={`Delete ${w.name}`}
                onConfirm={() => act(() => api('DELETE', `/api/v1/webhooks/${encodeURIComponent(w.name)}`))}
              />
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
