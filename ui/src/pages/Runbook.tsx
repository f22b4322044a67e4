import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, get } from '../lib/api';
import { jobDuration, shortId, when } from '../lib/format';
import { ErrorBox, Page, Status, useAsync, useCan, useInterval } from '../components';
import { StartForm } from './StartForm';
import type { Runbook } from './Runbooks';
import type { Job } from './Jobs';

type Editor = typeof import('../editor');

async function contentOf(name: string, version: 'draft' | 'published'): Promise<string | undefined> {
  try {
    return await get<string>(`/api/v1/runbooks/${encodeURIComponent(name)}/content?version=${version}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

export function RunbookPage({ name }: { name: string }) {
  const enc = encodeURIComponent(name);
  const rb = useAsync(async () => {
    const runbook = await get<Runbook>(`/api/v1/runbooks/${enc}`);
    const [draft, published] = await Promise.all([
      runbook.source === 'api' ? contentOf(name, 'draft') : undefined,
      contentOf(name, 'published'),
    ]);
    return { runbook, draft, published };
  }, [name]);
  const jobs = useAsync(() => get<{ value: Job[] }>(`/api/v1/jobs?runbook=${enc}&top=10`), [name]);
  useInterval(jobs.reload, 5000);
  const isAdmin = useCan('admin');
  const isOperator = useCan('operator');

  const editorHost = useRef<HTMLDivElement>(null);
  const diffHost = useRef<HTMLDivElement>(null);
  const editorMod = useRef<Editor>();
  const [text, setText] = useState<string>();
  const [paramsText, setParamsText] = useState('[]');
  const paramsInitial = useRef('[]');
  const [saved, setSaved] = useState(true);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [diffing, setDiffing] = useState(false);

  const data = rb.data;
  const editable = isAdmin && data?.runbook.source === 'api';
  const initial = data ? (data.draft ?? data.published ?? '') : undefined;

  useEffect(() => {
    if (initial === undefined || !editorHost.current) return;
    let view: { destroy(): void } | undefined;
    let cancelled = false;
    setText(initial);
    setSaved(true);
    const defs = data!.runbook.draft?.parameters ?? data!.runbook.parameters;
    paramsInitial.current = JSON.stringify(defs, null, 2);
    setParamsText(paramsInitial.current);
    import('../editor').then((m) => {
      if (cancelled || !editorHost.current) return;
      editorMod.current = m;
      editorHost.current.textContent = '';
      view = m.createEditor(editorHost.current, initial, data!.runbook.draft?.type ?? data!.runbook.type, {
        readOnly: !editable,
        onChange: (t) => (setText(t), setSaved(false)),
      }).view;
    }, setError);
    return () => {
      cancelled = true;
      view?.destroy();
    };
  }, [initial, editable]);

  useEffect(() => {
    if (!diffing || !diffHost.current || !editorMod.current || !data) return;
    diffHost.current.textContent = '';
    const v = editorMod.current.createDiff(diffHost.current, data.published ?? '', text ?? '', data.runbook.type);
    return () => v.destroy();
  }, [diffing]);

  const saveDraft = async (): Promise<boolean> => {
    setError(undefined);
    setNotice(undefined);
    let parameters: unknown;
    try {
      // Sent only when edited: otherwise the server keeps (or, for pwsh, derives) them.
      parameters = paramsText === paramsInitial.current ? undefined : JSON.parse(paramsText);
    } catch {
      setError(
        new ApiError(
          0,
          'Invalid parameters',
          'The parameter definitions must be a JSON array such as [{"name":"Name","type":"string","mandatory":true}].',
        ),
      );
      return false;
    }
    try {
      await api('PUT', `/api/v1/runbooks/${enc}/draft`, { content: text ?? '', ...(parameters !== undefined ? { parameters } : {}) });
      setSaved(true);
      setNotice('Draft saved.');
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const publish = async () => {
    setError(undefined);
    try {
      await api('POST', `/api/v1/runbooks/${enc}/publish`);
      setDiffing(false);
      setNotice('Published.');
      rb.reload();
    } catch (e) {
      setError(e);
    }
  };

  const r = data?.runbook;
  return (
    <Page title={name}>
      <ErrorBox error={rb.error} />
      {r && (
        <p class="muted">
          {r.type} · {r.state} · {r.version ? `version ${r.version}, published ${when(r.publishedTime)}` : 'never published'}
          {r.source === 'repository' && ' · from the repository (read-only here)'}
          {r.source === 'git' && (
            <span data-testid="git-source">
              {' · from git '}
              {r.sourceControl && <a href={`#/source-controls/${encodeURIComponent(r.sourceControl)}`}>{r.sourceControl}</a>}
              {r.sourceFile && (
                <>
                  {' '}
                  <code>{r.sourceFile}</code>
                </>
              )}
              {r.commit && (
                <>
                  {' '}
                  at commit <code title={r.commit}>{r.commit.slice(0, 10)}</code>
                </>
              )}
              {' (read-only here)'}
            </span>
          )}
          {r.description && <> · {r.description}</>}
        </p>
      )}
      <div class="grid-rb">
        <div class="card">
          <div class="stream-bar">
            <h2>Script{editable && !saved && <span class="muted small"> (unsaved)</span>}</h2>
            {editable && (
              <div class="buttons">
                <button type="button" onClick={saveDraft} disabled={saved}>
                  Save draft
                </button>
                <button
                  type="button"
                  class="primary"
                  onClick={async () => (saved || (await saveDraft()) ? (rb.reload(), setDiffing(true)) : undefined)}
                >
                  Publish…
                </button>
              </div>
            )}
          </div>
          <ErrorBox error={error} />
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          {diffing && (
            <div class="diff card" role="dialog" aria-label="Changes to publish">
              <h3>Published version {r?.version || '(none)'} → draft</h3>
              <div ref={diffHost} class="diff-view" data-testid="diff" />
              <div class="buttons">
                <button type="button" class="primary" onClick={publish} autoFocus>
                  Publish version {(r?.version ?? 0) + 1}
                </button>
                <button type="button" onClick={() => setDiffing(false)}>
                  Cancel
                </button>
              </div>
            </div>
          )}
          <div class="editor" ref={editorHost} data-testid="editor">
            <pre class="muted">{initial ?? 'Loading…'}</pre>
          </div>
          {editable && (
            <details class="params-def">
              <summary>Parameter definitions (JSON)</summary>
              <textarea
                aria-label="Parameter definitions"
                rows={8}
                value={paramsText}
                onInput={(e) => (setParamsText(e.currentTarget.value), setSaved(false))}
                spellcheck={false}
              />
              <p class="hint">
                Each: <code>{'{"name","type":"string|int|bool|datetime|object|array","mandatory","default","secret","description"}'}</code>.
                PowerShell scripts may declare them in <code>param()</code> instead.
              </p>
            </details>
          )}
        </div>
        <div>
          <div class="card">
            <h2>Start</h2>
            {!r ? null : r.version === 0 ? (
              <p class="muted">Publish the runbook to start it.</p>
            ) : isOperator ? (
              <StartForm runbook={r.name} parameters={r.parameters} />
            ) : (
              <p class="muted">Starting a job needs the operator role.</p>
            )}
          </div>
          <div class="card">
            <h2>
              Recent jobs{' '}
              <a class="small" href={`#/jobs?runbook=${enc}`}>
                all →
              </a>
            </h2>
            <ErrorBox error={jobs.error} />
            {jobs.data?.value.length === 0 && <p class="muted">No jobs yet.</p>}
            <ul class="latest">
              {jobs.data?.value.map((j) => (
                <li>
                  <a href={`#/jobs/${j.jobId}`}>
                    <Status status={j.status} /> <code>{shortId(j.jobId)}</code>{' '}
                    <span class="muted">
                      {when(j.createdTime)} · {jobDuration(j)}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </div>
          {r && <Declares runbook={r} />}
        </div>
      </div>
    </Page>
  );
}

/** What the published version may use: its declared assets (each linking to its page) and where it runs. */
function Declares({ runbook }: { runbook: Runbook }) {
  const a = runbook.assets;
  const env = Object.entries(a?.env ?? {}).map(([name, ref]) => {
    const [kind = '', asset = ''] = ref.split('/');
    return { name, kind: `${kind}s`, asset, ref };
  });
  const lists: [string, string, string[]][] = [
    ['variables', 'reads', a?.variables ?? []],
    ['variables', 'writes', a?.writeVariables ?? []],
    ['credentials', 'reads', a?.credentials ?? []],
    ['connections', 'reads', a?.connections ?? []],
  ];
  const link = (kind: string, name: string) => <a href={`#/assets/${kind}/${encodeURIComponent(name)}`}>{name}</a>;
  const any = lists.some(([, , names]) => names.length) || env.length;
  return (
    <div class="card" data-testid="runbook-declares">
      <h2>Runs on and may use</h2>
      <p>
        {runbook.runOn && runbook.runOn !== 'cloud' ? (
          <>
            hybrid worker group <a href="#/workers">{runbook.runOn}</a>
          </>
        ) : (
          'the cloud worker'
        )}
      </p>
      {!any && <p class="muted">No assets declared in its manifest.</p>}
      <ul>
        {lists.map(([kind, how, names]) =>
          names.map((n) => (
            <li>
              {how} {kind.slice(0, -1)} {link(kind, n)}
            </li>
          )),
        )}
        {env.map((e) => (
          <li>
            <code>${e.name}</code> ← {e.kind.slice(0, -1)} {link(e.kind, e.asset)}
            {e.ref.split('/')[2] ? ` (${e.ref.split('/')[2]})` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}
