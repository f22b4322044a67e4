import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { navigate } from '../lib/router';
import { ErrorBox, Page, Status, useAsync, useCan } from '../components';
import { ListView } from '../lists';
import type { Stats } from './Home';
import type { RunbookAssets } from '../lib/assets';

export interface RunbookParameter {
  name: string;
  type: 'string' | 'int' | 'bool' | 'datetime' | 'object' | 'array';
  mandatory: boolean;
  default?: unknown;
  description?: string;
  secret: boolean;
}
export interface Runbook {
  name: string;
  path: string;
  type: string;
  state: string;
  source: 'repository' | 'api' | 'git';
  /** Runbooks from git: the source control, the file and the commit of the published version. */
  sourceControl?: string;
  sourceFile?: string;
  commit?: string;
  version: number;
  description: string;
  parameters: RunbookParameter[];
  createdTime: string;
  lastModifiedTime: string;
  publishedTime?: string;
  draft?: { type: string; parameters: RunbookParameter[]; description: string; assets?: RunbookAssets };
  assets?: RunbookAssets;
  runOn?: string;
  timeoutSeconds?: number;
  maxConcurrency?: number;
}

export const TEMPLATES: Record<string, string> = {
  bash: '#!/usr/bin/env bash\n# Parameters arrive as environment variables and arguments (docs/runbooks.md).\necho "Hello from $HOSTNAME"\n',
  python3: '# Parameters: docs/runbooks.md\nprint("Hello from Python")\n',
  node: '// Parameters: docs/runbooks.md\nconsole.log("Hello from Node");\n',
  pwsh: 'param(\n  [string] $Name = "world"\n)\nWrite-Output "Hello, $Name"\n',
};

function NewRunbook({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('bash');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api('POST', '/api/v1/runbooks', { name, type, content: TEMPLATES[type] });
      navigate(`/runbooks/${encodeURIComponent(name)}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New runbook">
      <h2>New runbook</h2>
      <ErrorBox error={error} />
      <label>
        Name
        <input
          name="name"
          required
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          placeholder="e.g. restart-service"
          autoFocus
        />
      </label>
      <label>
        Type
        <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="bash">bash</option>
          <option value="python3">Python 3</option>
          <option value="node">Node.js</option>
          <option value="pwsh">PowerShell</option>
        </select>
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Create and edit
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function Runbooks({ query }: { query: URLSearchParams }) {
  const data = useAsync(async () => {
    const [runbooks, stats] = await Promise.all([get<{ value: Runbook[] }>('/api/v1/runbooks'), get<Stats>('/api/v1/stats?days=31')]);
    return { runbooks: runbooks.value, stats };
  }, []);
  const isAdmin = useCan('admin');
  const creating = query.get('new') === '1';
  return (
    <Page
      title="Runbooks"
      actions={
        isAdmin && !creating ? (
          <button type="button" class="primary" onClick={() => navigate('/runbooks', { new: '1' })}>
            New runbook
          </button>
        ) : undefined
      }
    >
      {creating && isAdmin && <NewRunbook onCancel={() => navigate('/runbooks')} />}
      <ListView
        error={data.error}
        items={data.data?.runbooks}
        empty={
          !creating && (
            <p>
              No runbooks yet. {isAdmin ? <a href="#/runbooks?new=1">Create the first one</a> : 'An admin can create one'}, or put scripts
              in the repository's runbooks/ folder.
            </p>
          )
        }
        testid="runbooks-table"
        columns={['Name', 'Type', 'State', { label: 'Version', class: 'num' }, 'Last run', 'Modified']}
        row={(r) => {
          const last = data.data!.stats.runbooks.find((s) => s.runbook === r.name)?.last;
          return (
            <tr data-runbook={r.name}>
              <td>
                <a href={`#/runbooks/${encodeURIComponent(r.name)}`}>{r.name}</a>
                {r.description && <div class="muted small">{r.description}</div>}
              </td>
              <td>{r.type}</td>
              <td>
                {r.state}
                {r.source === 'repository' && <span class="muted small"> (repository)</span>}
              </td>
              <td class="num">{r.version || '–'}</td>
              <td>
                {last ? (
                  <a href={`#/jobs/${last.jobId}`}>
                    <Status status={last.status} /> <span class="muted small">{when(last.endTime)}</span>
                  </a>
                ) : (
                  <span class="muted">never</span>
                )}
              </td>
              <td>{when(r.lastModifiedTime)}</td>
            </tr>
          );
        }}
      />
    </Page>
  );
}
