import { useState } from 'preact/hooks';
import { get } from '../lib/api';
import { duration, shortId, when } from '../lib/format';
import { Empty, ErrorBox, Page, Status, useAsync, useCan, useInterval } from '../components';
import { DataTable } from '../lists';
import { HBars, HourBars, type HourPoint } from '../charts';
import type { Job } from './Jobs';

export interface RunbookStats {
  runbook: string;
  total: number;
  Completed: number;
  Failed: number;
  Stopped: number;
  failureRate: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  last?: { jobId: string; status: string; endTime: string };
}
export interface Stats {
  generatedTime: string;
  hours: HourPoint[];
  runbooks: RunbookStats[];
}

export function Home() {
  const [span, setSpan] = useState<'24h' | '7d'>('24h');
  const data = useAsync(async () => {
    const [stats, jobs, runbooks] = await Promise.all([
      get<Stats>('/api/v1/stats?days=7'),
      get<{ value: Job[] }>('/api/v1/jobs?top=8'),
      get<{ value: { name: string }[] }>('/api/v1/runbooks'),
    ]);
    return { stats, jobs: jobs.value, runbookCount: runbooks.value.length };
  }, []);
  useInterval(data.reload, 10_000);
  const isAdmin = useCan('admin');
  const isOperator = useCan('operator');

  if (data.error)
    return (
      <Page title="Overview">
        <ErrorBox error={data.error} />
      </Page>
    );
  if (!data.data)
    return (
      <Page title="Overview">
        <p class="muted">Loading…</p>
      </Page>
    );
  const { stats, jobs, runbookCount } = data.data;

  if (jobs.length === 0) {
    return (
      <Page title="Welcome to Hookbook">
        <Empty>
          <h2>Nothing has run yet</h2>
          <ol class="steps">
            <li>
              {runbookCount === 0 ? (
                isAdmin ? (
                  <>
                    <a href="#/runbooks?new=1">Create a runbook</a>: a bash, Python, Node or PowerShell script.
                  </>
                ) : (
                  <>Ask an admin to create a runbook.</>
                )
              ) : (
                <>
                  <a href="#/runbooks">
                    {runbookCount} runbook{runbookCount > 1 ? 's are' : ' is'} ready
                  </a>
                  .
                </>
              )}
            </li>
            <li>
              {isOperator ? (
                <>
                  Open it and press <b>Start</b>: its output appears here live.
                </>
              ) : (
                <>An operator starts it; you watch its output live.</>
              )}
            </li>
            <li>
              {isAdmin ? (
                <>
                  Let others start it: a <a href="#/webhooks">webhook</a> or a <a href="#/schedules">schedule</a>.
                </>
              ) : (
                <>Webhooks and schedules start runbooks on their own.</>
              )}
            </li>
          </ol>
          <p class="muted">
            The same is available from the command line (<code>hookbook --help</code>) and the API (<code>/api/openapi.json</code>).
          </p>
        </Empty>
      </Page>
    );
  }

  const points = span === '24h' ? stats.hours.slice(-24) : stats.hours;
  const slowest = stats.runbooks
    .filter((r) => r.p90Ms !== null)
    .sort((a, b) => b.p90Ms! - a.p90Ms!)
    .slice(0, 5);
  const failing = stats.runbooks
    .filter((r) => r.Failed > 0)
    .sort((a, b) => b.Failed - a.Failed || b.failureRate - a.failureRate)
    .slice(0, 5);
  const rbHref = (n: string) => `#/runbooks/${encodeURIComponent(n)}`;
  return (
    <Page
      title="Overview"
      actions={
        <div class="seg" role="group" aria-label="Time span">
          <button type="button" aria-pressed={span === '24h'} onClick={() => setSpan('24h')}>
            24 hours
          </button>
          <button type="button" aria-pressed={span === '7d'} onClick={() => setSpan('7d')}>
            7 days
          </button>
        </div>
      }
    >
      <div class="card">
        <h2>Jobs per hour by status</h2>
        <HourBars points={points} label={span === '24h' ? 'Last 24 hours' : 'Last 7 days'} />
      </div>
      <div class="grid2">
        <div class="card">
          <h2>Slowest runbooks (90th percentile, 7 days)</h2>
          {slowest.length ? (
            <HBars
              label="slowest runbooks"
              rows={slowest.map((r) => ({ name: r.runbook, value: r.p90Ms!, href: rbHref(r.runbook) }))}
              format={duration}
            />
          ) : (
            <p class="muted">No timed jobs yet.</p>
          )}
        </div>
        <div class="card">
          <h2>Most failing runbooks (7 days)</h2>
          {failing.length ? (
            <HBars
              label="most failing runbooks"
              rows={failing.map((r) => ({
                name: r.runbook,
                value: r.Failed,
                href: `#/jobs?runbook=${encodeURIComponent(r.runbook)}&status=Failed`,
              }))}
              format={(v) => `${v} failed`}
            />
          ) : (
            <p class="muted">No failures in 7 days.</p>
          )}
        </div>
      </div>
      <div class="card">
        <h2>Durations per runbook (7 days)</h2>
        <DataTable
          testid="runbook-stats"
          columns={['Runbook', ...['Jobs', 'Failed', 'p50', 'p90', 'p99', 'max'].map((label) => ({ label, class: 'num' })), 'Last']}
          rows={stats.runbooks}
          row={(r) => (
            <tr data-runbook={r.runbook}>
              <td>
                <a href={rbHref(r.runbook)}>{r.runbook}</a>
              </td>
              <td class="num" data-testid="stat-total">
                {r.total}
              </td>
              <td class="num">{r.Failed}</td>
              <td class="num">{duration(r.p50Ms)}</td>
              <td class="num">{duration(r.p90Ms)}</td>
              <td class="num">{duration(r.p99Ms)}</td>
              <td class="num">{duration(r.maxMs)}</td>
              <td>
                {r.last ? (
                  <a href={`#/jobs/${r.last.jobId}`}>
                    <Status status={r.last.status} />
                  </a>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          )}
        />
        <p class="hint">Percentiles are bucketed (≤ 250 ms, 500 ms, 1 s, 2 s, 5 s, 10 s, 30 s, 1 min …): read them as "at most".</p>
      </div>
      <div class="card">
        <h2>
          Latest jobs{' '}
          <a class="small" href="#/jobs">
            all jobs →
          </a>
        </h2>
        <ul class="latest">
          {jobs.map((j) => (
            <li>
              <a href={`#/jobs/${j.jobId}`}>
                <Status status={j.status} /> <b>{j.runbook}</b>{' '}
                <span class="muted">
                  {shortId(j.jobId)} · {when(j.createdTime)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </div>
    </Page>
  );
}
