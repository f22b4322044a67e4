import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { ConfirmButton, ErrorBox, Page, ShownOnce, useAction, useAsync, useCan } from '../components';
import { DataTable } from '../lists';

interface ApiKey {
  keyId: string;
  role: string;
  runbooks?: string[];
  description?: string;
  createdTime: string;
}

export function Keys() {
  const isAdmin = useCan('admin');
  const list = useAsync(async () => (isAdmin ? (await get<{ value: ApiKey[] }>('/api/v1/keys')).value : []), [isAdmin]);
  const [role, setRole] = useState('reader');
  const [patterns, setPatterns] = useState('');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<string>();
  const { error, run: act } = useAction();
  if (!isAdmin)
    return (
      <Page title="API keys">
        <p class="muted">API keys are managed by admins.</p>
      </Page>
    );
  const create = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const runbooks = patterns
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const k = await api<{ key: string }>('POST', '/api/v1/keys', {
        role,
        ...(runbooks.length ? { runbooks } : {}),
        ...(description ? { description } : {}),
      });
      setSecret(k.key);
      setDescription('');
      list.reload();
    });
  };
  return (
    <Page title="API keys">
      {secret && <ShownOnce title="New API key" value={secret} onDismiss={() => setSecret(undefined)} />}
      <form class="card form" onSubmit={create} aria-label="New API key">
        <h2>New API key</h2>
        <div class="row">
          <label>
            Role
            <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="reader">reader: sees jobs and runbooks</option>
              <option value="operator">operator: also starts and stops jobs</option>
              <option value="admin">admin: manages everything</option>
            </select>
          </label>
          <label>
            Runbooks (patterns, optional)
            <input
              name="runbooks"
              value={patterns}
              onInput={(e) => setPatterns(e.currentTarget.value)}
              placeholder="e.g. root_*, backup-*"
            />
          </label>
          <label>
            Description
            <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
        </div>
        <div class="buttons">
          <button type="submit" class="primary">
            Create key
          </button>
        </div>
      </form>
      <ErrorBox error={list.error ?? error} />
      <DataTable
        testid="keys-table"
        columns={['Key id', 'Role', 'Runbooks', 'Description', 'Created', '']}
        rows={list.data ?? []}
        row={(k) => (
          <tr data-key={k.keyId}>
            <td>
              <code>{k.keyId}</code>
            </td>
            <td>{k.role}</td>
            <td>{k.runbooks?.join(', ') ?? 'all'}</td>
            <td>{k.description ?? ''}</td>
            <td>{when(k.createdTime)}</td>
            <td>
              <ConfirmButton
                label="Revoke"
                confirm={`Revoke ${k.keyId}`}
                onConfirm={() => act(async () => (await api('DELETE', `/api/v1/keys/${encodeURIComponent(k.keyId)}`), list.reload()))}
              />
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
