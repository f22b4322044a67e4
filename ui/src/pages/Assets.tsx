import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { ErrorBox, Page, useAsync, useCan, useInterval } from '../components';
import { CreatePanel, ListView } from '../lists';
import type { Runbook } from './Runbooks';
import { SecretInput, ValueInput } from './assetFields';
import {
  assetPath,
  checkSecret,
  CONNECTION_TYPES,
  declaredBy,
  KINDS,
  NO_SECRET,
  variableValue,
  type Asset,
  type Connection,
  type Credential,
  type KindPath,
  type SecretEntry,
  type Variable,
  type VariableType,
} from '../lib/assets';

/**
 * Shared assets (docs/assets.md): the list of one kind, which runbooks declare each, and the form
 * that creates one. Secret values go from a password field straight into the request, and the
 * fields are emptied once it is sent: the page never holds them longer, and the API never returns
 * them.
 */

function VariableForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<VariableType>('string');
  const [encrypted, setEncrypted] = useState(false);
  const [text, setText] = useState('');
  const [secret, setSecret] = useState<SecretEntry>(NO_SECRET);
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const raw = encrypted ? (checkSecret('the value', secret, true) ?? '') : type === 'bool' ? text || 'false' : text;
      const body = { name, type, encrypted, value: variableValue(type, raw, name), ...(description ? { description } : {}) };
      await api('POST', assetPath('variables'), body);
      setName('');
      setText('');
      setDescription('');
      onCreated(name);
    } catch (err) {
      setError(err);
    } finally {
      setSecret(NO_SECRET);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New variable">
      <ErrorBox error={error} />
      <div class="row">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Type
          <select name="type" value={type} onChange={(e) => (setType(e.currentTarget.value as VariableType), setText(''))}>
            {['string', 'int', 'bool', 'datetime', 'object'].map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <label class="check">
          <input name="encrypted" type="checkbox" checked={encrypted} onChange={(e) => setEncrypted(e.currentTarget.checked)} /> Encrypted
          (never shown again)
        </label>
      </div>
      {encrypted ? (
        <SecretInput id="new-variable-value" label="Value" entry={secret} onChange={setSecret} required />
      ) : (
        <ValueInput type={type} text={text} onText={setText} id="new-variable-value" />
      )}
      <label>
        Description
        <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Create variable
        </button>
      </div>
    </form>
  );
}

function CredentialForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState<SecretEntry>(NO_SECRET);
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const pw = checkSecret('the password', password, true);
      await api('POST', assetPath('credentials'), { name, userName, password: pw, ...(description ? { description } : {}) });
      setName('');
      setUserName('');
      setDescription('');
      onCreated(name);
    } catch (err) {
      setError(err);
    } finally {
      setPassword(NO_SECRET);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New credential">
      <ErrorBox error={error} />
      <div class="row">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          User name
          <input name="userName" required autoComplete="off" value={userName} onInput={(e) => setUserName(e.currentTarget.value)} />
        </label>
      </div>
      <SecretInput id="new-credential-password" label="Password" entry={password} onChange={setPassword} required />
      <label>
        Description
        <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Create credential
        </button>
      </div>
    </form>
  );
}

interface FieldRow {
  name: string;
  value: string;
  secret: boolean;
}

function ConnectionForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('EntraApp');
  const [customType, setCustomType] = useState('');
  const [plain, setPlain] = useState<Record<string, string>>({});
  const [secrets, setSecrets] = useState<Record<string, SecretEntry>>({});
  const [rows, setRows] = useState<FieldRow[]>([{ name: '', value: '', secret: false }]);
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>();
  const known = CONNECTION_TYPES[type];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const fields: Record<string, string> = {};
      const body: Record<string, unknown> = { name, connectionType: known ? type : customType, fields };
      if (known) {
        for (const f of known.fields) {
          const v = known.secret.includes(f) ? checkSecret(f, secrets[f] ?? NO_SECRET, known.required.includes(f)) : plain[f];
          if (v) fields[f] = v;
        }
      } else {
        for (const r of rows.filter((r) => r.name))
          fields[r.name] = r.secret ? (checkSecret(r.name, secrets[`custom:${r.name}`] ?? NO_SECRET, false) ?? '') : r.value;
        body.secretFields = rows.filter((r) => r.name && r.secret).map((r) => r.name);
      }
      if (description) body.description = description;
      await api('POST', assetPath('connections'), body);
      setName('');
      setPlain({});
      setRows([{ name: '', value: '', secret: false }]);
      setDescription('');
      onCreated(name);
    } catch (err) {
      setError(err);
    } finally {
      setSecrets({});
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New connection">
      <ErrorBox error={error} />
      <div class="row">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Type
          <select name="connectionType" value={type} onChange={(e) => (setType(e.currentTarget.value), setSecrets({}))}>
            {Object.keys(CONNECTION_TYPES).map((t) => (
              <option value={t}>{t}</option>
            ))}
            <option value="">another type…</option>
          </select>
        </label>
        {!known && (
          <label>
            Type name
            <input name="customType" required value={customType} onInput={(e) => setCustomType(e.currentTarget.value)} />
          </label>
        )}
      </div>
      {known
        ? known.fields.map((f) =>
            known.secret.includes(f) ? (
              <SecretInput
                id={`field-${f}`}
                label={f}
                required={known.required.includes(f)}
                entry={secrets[f] ?? NO_SECRET}
                onChange={(v) => setSecrets({ ...secrets, [f]: v })}
              />
            ) : (
              <label for={`field-${f}`}>
                <span>
                  {f}
                  {known.required.includes(f) && <span class="req"> *</span>}
                </span>
                <input
                  id={`field-${f}`}
                  name={f}
                  spellcheck={false}
                  value={plain[f] ?? ''}
                  onInput={(e) => setPlain({ ...plain, [f]: e.currentTarget.value })}
                />
              </label>
            ),
          )
        : rows.map((r, i) => {
            const set = (next: Partial<FieldRow>) => setRows(rows.map((x, j) => (j === i ? { ...x, ...next } : x)));
            return (
              <div class="row field-row">
                <label>
                  Field name
                  <input name={`custom-name-${i}`} value={r.name} onInput={(e) => set({ name: e.currentTarget.value })} />
                </label>
                {r.secret ? (
                  <SecretInput
                    id={`custom-value-${i}`}
                    label="Value"
                    entry={secrets[`custom:${r.name}`] ?? NO_SECRET}
                    onChange={(v) => setSecrets({ ...secrets, [`custom:${r.name}`]: v })}
                  />
                ) : (
                  <label>
                    Value
                    <input name={`custom-value-${i}`} value={r.value} onInput={(e) => set({ value: e.currentTarget.value })} />
                  </label>
                )}
                <label class="check">
                  <input type="checkbox" checked={r.secret} onChange={(e) => set({ secret: e.currentTarget.checked, value: '' })} /> secret
                </label>
              </div>
            );
          })}
      {!known && (
        <button type="button" onClick={() => setRows([...rows, { name: '', value: '', secret: false }])}>
          Add a field
        </button>
      )}
      <label>
        Description
        <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Create connection
        </button>
      </div>
    </form>
  );
}

const FORMS = { variables: VariableForm, credentials: CredentialForm, connections: ConnectionForm };

/** What a row says of an asset besides its name: type, user name, fields (never a secret value). */
function summary(kind: KindPath, a: Asset) {
  if (kind === 'variables') {
    const v = a as Variable;
    return (
      <>
        {v.type}
        {v.encrypted ? (
          <span class="badge" title="the value is never shown">
            encrypted
          </span>
        ) : (
          <>
            {' '}
            <code class="ellipsis">{typeof v.value === 'string' ? v.value : JSON.stringify(v.value)}</code>
          </>
        )}
      </>
    );
  }
  if (kind === 'credentials') return <code>{(a as Credential).userName}</code>;
  const c = a as Connection;
  return (
    <>
      {c.connectionType}{' '}
      <span class="muted small">{[...Object.keys(c.fields), ...c.secretFields.map((f) => `${f} (secret)`)].join(', ')}</span>
    </>
  );
}

export function Assets({ kind }: { kind: KindPath }) {
  const isAdmin = useCan('admin');
  const spec = KINDS[kind];
  // Tagged with its kind: while another kind loads, the last list is still there and must not be
  // drawn as this kind's.
  const loaded = useAsync(async () => ({ kind, value: (await get<{ value: Asset[] }>(assetPath(kind))).value }), [kind]);
  const list = { ...loaded, data: loaded.data?.kind === kind ? loaded.data.value : undefined };
  const runbooks = useAsync(async () => (await get<{ value: Runbook[] }>('/api/v1/runbooks')).value, []);
  // Another admin, or a job writing a variable, changes assets: read them again while the page is open.
  useInterval(() => (list.reload(), runbooks.reload()), 5000);
  const [created, setCreated] = useState<string>();
  // Open while there is nothing yet, then as the admin leaves it.
  const [open, setOpen] = useState<boolean>();
  useEffect(() => (setOpen(undefined), setCreated(undefined)), [kind]);
  const Form = FORMS[kind];
  return (
    <Page title="Assets">
      <nav class="tabs" aria-label="Asset kinds">
        {(Object.keys(KINDS) as KindPath[]).map((k) => (
          <a href={`#/assets/${k}`} aria-current={k === kind ? 'page' : undefined}>
            {KINDS[k].title}
          </a>
        ))}
      </nav>
      {isAdmin ? (
        <CreatePanel summary={`New ${spec.one}`} open={open ?? list.data?.length === 0} onToggle={setOpen}>
          <Form key={kind} onCreated={(n) => (setCreated(n), setOpen(true), list.reload())} />
        </CreatePanel>
      ) : (
        <p class="muted">Assets are changed by admins; runbooks read them as their manifests declare.</p>
      )}
      {created && (
        <p class="notice" role="status">
          Created {spec.one} {created}.
        </p>
      )}
      <ListView
        error={list.error ?? runbooks.error}
        items={list.data}
        empty={
          <p>
            No {spec.title.toLowerCase()} yet. A runbook reads one when its manifest declares it (<code>assets.{kind}</code>, see
            docs/assets.md).
          </p>
        }
        testid="assets-table"
        columns={[
          'Name',
          kind === 'variables' ? 'Type and value' : kind === 'credentials' ? 'User name' : 'Type and fields',
          'Declared by',
          'Changed',
        ]}
        row={(a) => {
          const users = runbooks.data ? declaredBy(runbooks.data, spec.kind, a.name) : [];
          return (
            <tr data-asset={a.name}>
              <td>
                <a href={`#/assets/${kind}/${encodeURIComponent(a.name)}`}>{a.name}</a>
                {a.description && <div class="muted small">{a.description}</div>}
              </td>
              <td>{summary(kind, a)}</td>
              <td>
                {users.length === 0 && <span class="muted">no runbook</span>}
                {users.map((u, i) => (
                  <>
                    {i > 0 && ', '}
                    <a href={`#/runbooks/${encodeURIComponent(u.runbook)}`}>{u.runbook}</a>
                    {u.draftOnly && <span class="muted small"> (draft)</span>}
                  </>
                ))}
              </td>
              <td>
                {when(a.lastModifiedTime)} <span class="muted small">by {a.lastModifiedBy}</span>
              </td>
            </tr>
          );
        }}
      />
    </Page>
  );
}
