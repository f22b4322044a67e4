import { useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { navigate } from '../lib/router';
import { ErrorBox, Page, useAsync, useCan, useInterval } from '../components';
import { ListView, Pager, TimeRange, usePages } from '../lists';

/**
 * The audit trail (docs/audit.md, admin): newest first, filters kept in the URL, "Older" follows the
 * continuation token, and the export downloads every matching entry as JSON lines.
 */

interface AuditEntry {
  id: string;
  time: string;
  principal: string;
  sourceAddress?: string;
  door: string;
  resource: string;
  name?: string;
  operation: string;
  method: string;
  path: string;
  outcome: 'authorized' | 'succeeded' | 'failed' | 'denied';
  statusCode?: number;
  fields?: string[];
  reason?: string;
}

const FILTERS = ['from', 'to', 'principal', 'resource', 'name', 'operation'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
const PAGE = 50;
const OUTCOME_CLASS = { authorized: 's-Running', succeeded: 's-Completed', failed: 's-Failed', denied: 's-Failed' } as const;

const auditUrl = (f: Filters, extra: Record<string, string>): string => {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]!);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return `/api/v1/audit?${q}`;
};

export function Audit({ query }: { query: URLSearchParams }) {
  const isAdmin = useCan('admin');
  const filters: Filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? undefined]).filter(([, v]) => v));
  const key = JSON.stringify(filters);
  const pages = usePages(key);
  const { pageNo, current } = pages;
  const page = useAsync(async () => {
    const token = pages.token;
    const p = await get<{ value: AuditEntry[]; continuationToken?: string }>(
      auditUrl(filters, { top: String(PAGE), ...(token ? { continuationToken: token } : {}) }),
    );
    return { ...p, of: current };
  }, [current]);
  const busy = page.loading || page.data?.of !== current;
  // The first page is live: a change made elsewhere appears on it.
  useInterval(page.reload, pageNo === 0 ? 5000 : null);
  const [exportError, setExportError] = useState<unknown>();
  const [exporting, setExporting] = useState(false);
  const set = (k: keyof Filters, v: string | undefined) => navigate('/audit', { ...filters, [k]: v || undefined }, true);
  const next = page.data?.continuationToken;
  // The trail is for admins (the API says so too): anyone else sees its refusal and nothing to press.
  if (!isAdmin) {
    return (
      <Page title="Audit log">
        <ErrorBox error={page.error} />
      </Page>
    );
  }

  // A link cannot carry the Authorization header: fetch the export, then save it from a blob.
  const exportJsonl = async () => {
    setExportError(undefined);
    setExporting(true);
    try {
      const text = await api<string>('GET', auditUrl(filters, { format: 'jsonl' }));
      const url = URL.createObjectURL(new Blob([text], { type: 'application/jsonl' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `hookbook-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.jsonl`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setExportError(e);
    }
    setExporting(false);
  };

  const text = (k: 'principal' | 'resource' | 'name' | 'operation', label: string, placeholder: string) => (
    <label>
      {label}
      <input name={k} value={filters[k] ?? ''} placeholder={placeholder} onChange={(e) => set(k, e.currentTarget.value.trim())} />
    </label>
  );
  return (
    <Page
      title="Audit log"
      actions={
        <button type="button" onClick={exportJsonl} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export JSON lines'}
        </button>
      }
    >
      <p class="muted">Every change through the management API and every refused credential or role, newest first (docs/audit.md).</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <TimeRange from={filters.from} to={filters.to} set={set} />
        {text('principal', 'Principal', 'key id')}
        {text('resource', 'Resource', 'runbooks')}
        {text('name', 'Name', 'a name or id')}
        {text('operation', 'Operation', 'runbooksCreate')}
        {Object.keys(filters).length > 0 && (
          <button type="button" onClick={() => navigate('/audit', {}, true)}>
            Clear filters
          </button>
        )}
      </form>
      <ListView
        error={exportError ?? page.error}
        items={page.data?.value}
        empty={<p>{Object.keys(filters).length ? 'No entry matches these filters.' : 'Nothing recorded yet.'}</p>}
        busy={busy}
        testid="audit"
        columns={['Time', 'Principal', 'Operation', 'Resource', 'Outcome', 'Fields set / reason']}
        row={(e) => (
          <tr data-entry={e.id} data-resource={e.resource} data-operation={e.operation}>
            <td>{when(e.time)}</td>
            <td>
              {e.principal}
              {e.sourceAddress && <div class="muted small">{e.sourceAddress}</div>}
            </td>
            <td>
              {e.operation}
              <div class="muted small">
                {e.method} {e.path}
                {e.door !== 'management' ? ` · ${e.door}` : ''}
              </div>
            </td>
            <td>
              {e.resource}
              {e.name && <div class="small">{e.name}</div>}
            </td>
            <td>
              <span class={`status ${OUTCOME_CLASS[e.outcome] ?? ''}`}>{e.outcome}</span>
              {e.statusCode && <span class="muted small"> {e.statusCode}</span>}
            </td>
            <td class="small">{e.reason ?? e.fields?.join(', ') ?? ''}</td>
          </tr>
        )}
      />
      <Pager pages={pages} busy={busy} next={next} />
    </Page>
  );
}
