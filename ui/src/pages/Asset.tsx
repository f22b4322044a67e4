import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { shortId, when } from '../lib/format';
import { navigate } from '../lib/router';
import { ConfirmButton, ErrorBox, Page, useAsync, useCan, useInterval } from '../components';
import { ListView } from '../lists';
import type { Runbook } from './Runbooks';
import { SecretInput, ValueInput } from './assetFields';
import {
  assetPath,
  checkSecret,
  declaredBy,
  KINDS,
  NO_SECRET,
  valueText,
  variableValue,
  type Asset,
  type AuditRow,
  type Connection,
  type Credential,
  type KindPath,
  type SecretEntry,
  type Variable,
} from '../lib/assets';

/**
 * One asset: what it is (never a secret value), the form that changes it (admins; a secret field
 * left empty keeps its value), the runbooks whose manifests declare it, and its audit trail.
 */

function EditForm({ kind, asset, onSaved }: { kind: KindPath; asset: Asset; onSaved: () => void }) {
  const v = asset as Variable;
  const c = asset as Connection;
  const [description, setDescription] = useState(asset.description);
  const [text, setText] = useState(() => (kind === 'variables' && !v.encrypted ? valueText(v.value) : ''));
  const [userName, setUserName] = useState(kind === 'credentials' ? (asset as Credential).userName : '');
  const [plain, setPlain] = useState<Record<string, string>>(() =>
    kind === 'connections' ? Object.fromEntries(Object.entries(c.fields).map(([k, x]) => [k, valueText(x)])) : {},
  );
  const [secrets, setSecrets] = useState<Record<string, SecretEntry>>({});
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const secret = (k: string) => secrets[k] ?? NO_SECRET;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setNotice(undefined);
    try {
      const body: Record<string, unknown> = {};
      if (description !== asset.description) body.description = description;
      if (kind === 'variables') {
        if (v.encrypted) {
          const s = checkSecret('the new value', secret('value'), false);
          if (s !== undefined) body.value = variableValue(v.type, s, v.name);
        } else if (text !== valueText(v.value)) body.value = variableValue(v.type, v.type === 'bool' ? text || 'false' : text, v.name);
      } else if (kind === 'credentials') {
        if (userName !== (asset as Credential).userName) body.userName = userName;
        const pw = checkSecret('the new password', secret('password'), false);
        if (pw !== undefined) body.password = pw;
      } else {
        const fields: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(plain)) if (x !== valueText(c.fields[k])) fields[k] = x;
        for (const f of c.secretFields) {
          const s = checkSecret(f, secret(f), false);
          if (s !== undefined) fields[f] = s;
        }
        if (Object.keys(fields).length) body.fields = fields;
      }
      if (Object.keys(body).length === 0) {
        setNotice('Nothing changed.');
        return;
      }
      await api('PATCH', assetPath(kind, asset.name), body);
      setNotice('Saved.');
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setSecrets({});
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label={`Edit ${asset.name}`}>
      <h2>Change</h2>
      <ErrorBox error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {kind === 'variables' &&
        (v.encrypted ? (
          <SecretInput
            id="edit-value"
            label={`New value (${v.type})`}
            entry={secret('value')}
            onChange={(s) => setSecrets({ ...secrets, value: s })}
            keepHint
          />
        ) : (
          <ValueInput type={v.type} text={text} onText={setText} id="edit-value" />
        ))}
      {kind === 'credentials' && (
        <>
          <label>
            User name
            <input name="userName" required autoComplete="off" value={userName} onInput={(e) => setUserName(e.currentTarget.value)} />
          </label>
          <SecretInput
            id="edit-password"
            label="New password"
            entry={secret('password')}
            onChange={(s) => setSecrets({ ...secrets, password: s })}
            keepHint
          />
        </>
      )}
      {kind === 'connections' && (
        <>
          {Object.keys(plain).map((f) => (
            <label for={`edit-field-${f}`}>
              {f}
              <input
                id={`edit-field-${f}`}
                name={f}
                spellcheck={false}
                value={plain[f]}
                onInput={(e) => setPlain({ ...plain, [f]: e.currentTarget.value })}
              />
            </label>
          ))}
          {c.secretFields.map((f) => (
            <SecretInput
              id={`edit-field-${f}`}
              label={`New ${f}`}
              entry={secret(f)}
              onChange={(s) => setSecrets({ ...secrets, [f]: s })}
              keepHint
            />
          ))}
        </>
      )}
      <label>
        Description
        <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Save
        </button>
      </div>
    </form>
  );
}

function Facts({ kind, asset }: { kind: KindPath; asset: Asset }) {
  const v = asset as Variable;
  const c = asset as Connection;
  return (
    <table class="kv" data-testid="asset-facts">
      <tbody>
        {kind === 'variables' && (
          <>
            <tr>
              <th>Type</th>
              <td>{v.type}</td>
            </tr>
            <tr>
              <th>Value</th>
              <td>
                {v.encrypted ? (
                  <span class="muted">encrypted: never shown; only a running job that declares it reads it</span>
                ) : (
                  <code>{valueText(v.value)}</code>
                )}
              </td>
            </tr>
          </>
        )}
        {kind === 'credentials' && (
          <>
            <tr>
              <th>User name</th>
              <td>
                <code>{(asset as Credential).userName}</code>
              </td>
            </tr>
            <tr>
              <th>Password</th>
              <td class="muted">never shown; only a running job that declares it reads it</td>
            </tr>
          </>
        )}
        {kind === 'connections' && (
          <>
            <tr>
              <th>Type</th>
              <td>{c.connectionType}</td>
            </tr>
            {Object.entries(c.fields).map(([k, x]) => (
              <tr>
                <th>{k}</th>
                <td>
                  <code>{valueText(x)}</code>
                </td>
              </tr>
            ))}
            {c.secretFields.map((k) => (
              <tr>
                <th>{k}</th>
                <td class="muted">secret: never shown</td>
              </tr>
            ))}
          </>
        )}
        <tr>
          <th>Description</th>
          <td>{asset.description || <span class="muted">none</span>}</td>
        </tr>
        <tr>
          <th>Created</th>
          <td>{when(asset.createdTime)}</td>
        </tr>
        <tr>
          <th>Last changed</th>
          <td>
            {when(asset.lastModifiedTime)} by <code>{asset.lastModifiedBy}</code>
          </td>
        </tr>
      </tbody>
    </table>
  );
}

const ACTION: Record<AuditRow['action'], string> = {
  read: 'read',
  write: 'written',
  create: 'created',
  update: 'changed',
  delete: 'deleted',
};

export function AssetPage({ kind, name }: { kind: KindPath; name: string }) {
  const isAdmin = useCan('admin');
  const spec = KINDS[kind];
  // Tagged with what it is: while another asset loads, the last one must not be drawn as this one.
  const loaded = useAsync(async () => ({ kind, name, value: await get<Asset>(assetPath(kind, name)) }), [kind, name]);
  const asset = { ...loaded, data: loaded.data?.kind === kind && loaded.data.name === name ? loaded.data.value : undefined };
  const runbooks = useAsync(async () => (await get<{ value: Runbook[] }>('/api/v1/runbooks')).value, []);
  const audit = useAsync(
    async () => (await get<{ value: AuditRow[] }>(`/api/v1/assets/audit?kind=${spec.kind}&name=${encodeURIComponent(name)}&top=100`)).value,
    [kind, name],
  );
  // Reads by jobs and changes by others arrive while the page is open.
  useInterval(() => (asset.reload(), audit.reload(), runbooks.reload()), 3000);
  const [error, setError] = useState<unknown>();
  const users = runbooks.data ? declaredBy(runbooks.data, spec.kind, name) : [];
  return (
    <Page
      title={`${spec.title.slice(0, -1)} ${name}`}
      actions={
        isAdmin &&
        asset.data && (
          <ConfirmButton
            label="Delete"
            confirm={`Delete ${spec.one} ${name}`}
            onConfirm={async () => {
              setError(undefined);
              try {
                await api('DELETE', assetPath(kind, name));
                navigate(`/assets/${kind}`);
              } catch (e) {
                setError(e);
              }
            }}
          />
        )
      }
    >
      <p>
        <a href={`#/assets/${kind}`}>← {spec.title}</a>
      </p>
      <ErrorBox error={error ?? asset.error} />
      {asset.data && (
        <div class="grid2">
          <div>
            <div class="card">
              <Facts kind={kind} asset={asset.data} />
            </div>
            {isAdmin && <EditForm key={name} kind={kind} asset={asset.data} onSaved={() => (asset.reload(), audit.reload())} />}
          </div>
          <div>
            <section class="card" aria-labelledby="declared-h">
              <h2 id="declared-h">Declared by</h2>
              {users.length === 0 ? (
                <p class="muted" data-testid="declared-by">
                  No runbook declares it: no job can read it. A runbook's manifest names it under <code>assets.{kind}</code>.
                </p>
              ) : (
                <ul data-testid="declared-by">
                  {users.map((u) => (
                    <li>
                      <a href={`#/runbooks/${encodeURIComponent(u.runbook)}`}>{u.runbook}</a>: {u.uses.join(', ')}
                      {u.draftOnly && <span class="muted small"> (its draft only, not yet published)</span>}
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section class="card" aria-labelledby="audit-h">
              <h2 id="audit-h">Audit trail</h2>
              <ListView
                error={audit.error}
                items={audit.data}
                empty="Nothing recorded yet."
                testid="asset-audit"
                columns={['When', 'What', 'By']}
                row={(r) => (
                  <tr data-action={r.action}>
                    <td>{when(r.time)}</td>
                    <td>{ACTION[r.action]}</td>
                    <td>
                      {r.jobId ? (
                        <>
                          job{' '}
                          <a href={`#/jobs/${r.jobId}`} title={r.jobId}>
                            {shortId(r.jobId)}
                          </a>
                          {r.runbook && <span class="muted small"> of {r.runbook}</span>}
                        </>
                      ) : (
                        <code>{r.by}</code>
                      )}
                    </td>
                  </tr>
                )}
              />
            </section>
          </div>
        </div>
      )}
    </Page>
  );
}
