import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../lib/api';
import { jobDuration, shortId, STATUSES, when } from '../lib/format';
import { navigate } from '../lib/router';
import { Empty, ErrorBox, Page, Status, useAsync, useInterval } from '../components';
import { DataTable } from '../lists';

export interface Job {
  jobId: string;
  runbook: string;
  runbookVersion: number;
  parameters: Record<string, unknown>;
  status: string;
  statusDetails?: string;
  exception?: string;
  result?: unknown;
  startedBy: string;
  createdTime: string;
  startTime?: string;
  endTime?: string;
  lastModifiedTime: string;
  attempt: number;
  /** The hybrid worker group it runs on (absent: the cloud worker). */
  runOn?: string;
}
interface JobPage {
  value: Job[];
  continuationToken?: string;
}

const PAGE = 50;
const FILTERS = ['runbook', 'status', 'startedBy', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** `datetime-local` value (local wall time) ↔ ISO instant for the API. */
const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);
const toLocal = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function jobsUrl(f: Filters, token?: string, top = PAGE): string {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]!);
  q.set('top', String(top));
  if (token) q.set('continuationToken', token);
  return `/api/v1/jobs?${q}`;
}

/**
 * One page of `top` jobs: a filtered listing may answer short pages with a token (the API reads a
 * bounded number of rows per call), so keep following the token until the page is full or the
 * listing ends.
 */
export async function fetchPage(f: Filters, token: string | undefined, top = PAGE): Promise<JobPage> {
  const out: Job[] = [];
  let next = token;
  for (let round = 0; round < 20; round++) {
    const page = await get<JobPage>(jobsUrl(f, next, top - out.length));
    out.push(...page.value);
    next = page.continuationToken;
    if (!next || out.length >= top) break;
  }
  return { value: out, ...(next ? { continuationToken: next } : {}) };
}

export function Jobs({ query }: { query: URLSearchParams }) {
  const filters: Filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? undefined]).filter(([, v]) => v));
  const key = JSON.stringify(filters);
  // tokens[i] = the continuation token that fetches page i (page 0 has none); a change of filters
  // starts again at page 0 in the same render (no request for an old page with new filters).
  const [nav, setNav] = useState<{ key: string; tokens: (string | undefined)[]; pageNo: number }>({ key, tokens: [undefined], pageNo: 0 });
  const { tokens, pageNo } = nav.key === key ? nav : { tokens: [undefined], pageNo: 0 };
  const setPageNo = (n: number) => setNav({ key, tokens, pageNo: n });
  const current = `${key}|${pageNo}|${tokens[pageNo] ?? ''}`;
  // Tagged with what it is the page of: until the answer for the page on screen is in, the table says busy.
  const page = useAsync(async () => ({ ...(await fetchPage(filters, tokens[pageNo])), of: current }), [current]);
  const busy = page.loading || page.data?.of !== current;
  const runbooks = useAsync(() => get<{ value: { name: string }[] }>('/api/v1/runbooks'), []);
  // Live: the page on screen is read again every few seconds (one storage read per refresh).
  useInterval(page.reload, 3000);
  const seen = useRef(new Map<string, string>());
  const changed = new Set<string>();
  for (const j of page.data?.value ?? []) {
    const before = seen.current.get(j.jobId);
    if (before !== undefined && before !== j.status) changed.add(j.jobId);
  }
  useEffect(() => {
    for (const j of page.data?.value ?? []) seen.current.set(j.jobId, j.status);
  });

  const set = (k: keyof Filters, v: string | undefined) => navigate('/jobs', { ...filters, [k]: v || undefined }, true);
  const next = page.data?.continuationToken;
  const goNext = () => {
    if (!next) return;
    const copy = tokens.slice(0, pageNo + 1);
    copy[pageNo + 1] = next;
    setNav({ key, tokens: copy, pageNo: pageNo + 1 });
  };

  return (
    <Page title="Jobs">
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Runbook
          <select name="runbook" value={filters.runbook ?? ''} onChange={(e) => set('runbook', e.currentTarget.value)}>
            <option value="">all</option>
            {(runbooks.data?.value ?? []).map((r) => (
              <option value={r.name}>{r.name}</option>
            ))}
            {filters.runbook && !runbooks.data?.value.some((r) => r.name === filters.runbook) && (
              <option value={filters.runbook}>{filters.runbook}</option>
            )}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={filters.status ?? ''} onChange={(e) => set('status', e.currentTarget.value)}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Started by
          <input
            name="startedBy"
            value={filters.startedBy ?? ''}
            placeholder="key id, webhook:…, schedule:…"
            onChange={(e) => set('startedBy', e.currentTarget.value.trim())}
          />
        </label>
        <label>
          From
          <input
            name="from"
            type="datetime-local"
            value={toLocal(filters.from)}
            onChange={(e) => set('from', toIso(e.currentTarget.value))}
          />
        </label>
        <label>
          To
          <input name="to" type="datetime-local" value={toLocal(filters.to)} onChange={(e) => set('to', toIso(e.currentTarget.value))} />
        </label>
        {Object.keys(filters).length > 0 && (
          <button type="button" onClick={() => navigate('/jobs', {}, true)}>
            Clear filters
          </button>
        )}
      </form>
      <ErrorBox error={page.error} />
      {page.data && page.data.value.length === 0 && pageNo === 0 ? (
        <Empty>
          {Object.keys(filters).length ? (
            <p>No job matches these filters.</p>
          ) : (
            <p>
              No jobs yet. Start one from a <a href="#/runbooks">runbook</a>.
            </p>
          )}
        </Empty>
      ) : (
        <DataTable
          class="jobs"
          busy={busy}
          testid="jobs-table"
          columns={['Job', 'Runbook', 'Status', 'Started by', 'Created', { label: 'Duration', class: 'num' }]}
          rows={page.data?.value ?? []}
          row={(j) => (
            <tr key={j.jobId} class={changed.has(j.jobId) ? 'flash' : undefined} data-job={j.jobId} data-status={j.status}>
              <td>
                <a href={`#/jobs/${j.jobId}`} title={j.jobId}>
                  <code>{shortId(j.jobId)}</code>
                </a>
              </td>
              <td>{j.runbook}</td>
              <td>
                <Status status={j.status} />
              </td>
              <td class="ellipsis">{j.startedBy}</td>
              <td>{when(j.createdTime)}</td>
              <td class="num">{jobDuration(j)}</td>
            </tr>
          )}
        />
      )}
      <nav class="pager" aria-label="Pages" data-more={busy ? undefined : next ? 'yes' : 'no'}>
        <button type="button" disabled={busy || pageNo === 0} onClick={() => setPageNo(pageNo - 1)}>
          ← Newer
        </button>
        <span data-testid="page-no">Page {pageNo + 1}</span>
        <button type="button" disabled={busy || !next} onClick={goNext}>
          Older →
        </button>
      </nav>
    </Page>
  );
}
