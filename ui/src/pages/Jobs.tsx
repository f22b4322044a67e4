import { useEffect, useRef } from 'preact/hooks';
import { get } from '../lib/api';
import { jobDuration, shortId, STATUSES, when } from '../lib/format';
import { navigate } from '../lib/router';
import { Empty, ErrorBox, Page, Status, useAsync, useInterval } from '../components';
import { DataTable, Pager, TimeRange, usePages } from '../lists';

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
  const pages = usePages(key);
  const { pageNo, current } = pages;
  // Tagged with what it is the page of: until the answer for the page on screen is in, the table says busy.
  const page = useAsync(async () => ({ ...(await fetchPage(filters, pages.token)), of: current }), [current]);
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
        <TimeRange from={filters.from} to={filters.to} set={set} />
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
      <Pager pages={pages} busy={busy} next={next} />
    </Page>
  );
}
