import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, followStreams, get } from '../lib/api';
import { jobDuration, STREAM_TYPES, TERMINAL, when } from '../lib/format';
import { ConfirmButton, ErrorBox, Page, Status, useAsync, useCan, useInterval } from '../components';
import type { Job } from './Jobs';
import { DeliveriesTable, type Delivery } from './deliveries';

interface StreamRecord {
  jobStreamId: string;
  time: string;
  streamType: (typeof STREAM_TYPES)[number];
  summary: string;
  streamText: string;
  continued?: boolean;
}

const MAX_SHOWN = 5000;

export function JobPage({ jobId }: { jobId: string }) {
  const job = useAsync(() => get<Job>(`/api/v1/jobs/${encodeURIComponent(jobId)}`), [jobId]);
  const ended = job.data ? TERMINAL.includes(job.data.status) : false;
  useInterval(job.reload, ended ? null : 2000);
  const canStop = useCan('operator');
  // The job's notification deliveries: read again while the job runs or a delivery is still pending.
  const notes = useAsync(
    async () => (await get<{ value: Delivery[] }>(`/api/v1/jobs/${encodeURIComponent(jobId)}/notifications`)).value,
    [jobId],
  );
  // (and for a minute after it ended: the end event's delivery is made as it ends).
  const endedLately = !!job.data?.endTime && Date.now() - Date.parse(job.data.endTime) < 60_000;
  useInterval(notes.reload, !ended || endedLately || notes.data?.some((d) => d.status === 'pending') ? 3000 : null);
  const [stopError, setStopError] = useState<unknown>();
  const [stopping, setStopping] = useState(false);

  const [records, setRecords] = useState<StreamRecord[]>([]);
  const [streamError, setStreamError] = useState<unknown>();
  const [live, setLive] = useState(true);
  useEffect(() => {
    setRecords([]);
    setLive(true);
    const abort = new AbortController();
    let batch: StreamRecord[] = [];
    let scheduled = false;
    // Records arriving in bursts are added once per frame, not one render each.
    const flush = () => {
      scheduled = false;
      const add = batch;
      batch = [];
      setRecords((r) => r.concat(add));
    };
    // followStreams reports failures through onError and does not reject.
    void followStreams(jobId, abort.signal, {
      onEvent: (event, data) => {
        if (event === 'end') {
          setLive(false);
          job.reload();
          return;
        }
        batch.push(data as StreamRecord);
        if (!scheduled) {
          scheduled = true;
          requestAnimationFrame(flush);
        }
      },
      onError: (e) => (setStreamError(e), setLive(false)),
    }).finally(() => setLive(false));
    return () => abort.abort();
  }, [jobId]);

  const [shown, setShown] = useState<Set<string>>(() => new Set(['Output', 'Error', 'Warning', 'Verbose', 'Progress']));
  const [search, setSearch] = useState('');
  const visible = useMemo(() => {
    const s = search.toLowerCase();
    return records.filter((r) => shown.has(r.streamType) && (!s || r.streamText.toLowerCase().includes(s)));
  }, [records, shown, search]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const r of records) c[r.streamType] = (c[r.streamType] ?? 0) + 1;
    return c;
  }, [records]);

  // Keep the newest line in view while the reader is at the bottom; leave them be when scrolled up.
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [visible.length]);

  const download = () => {
    const text = records.map((r) => `${r.time} ${r.streamType.padEnd(8)} ${r.streamText}`).join('\n') + '\n';
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `job-${jobId}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const stop = async () => {
    setStopError(undefined);
    setStopping(true);
    try {
      await api('POST', `/api/v1/jobs/${encodeURIComponent(jobId)}/stop`);
      job.reload();
    } catch (e) {
      setStopError(e);
    } finally {
      setStopping(false);
    }
  };

  const j = job.data;
  return (
    <Page
      title={j ? `${j.runbook} · job` : 'Job'}
      actions={
        j && !ended && canStop ? (
          <ConfirmButton
            label={stopping ? 'Stopping…' : 'Stop'}
            confirm="Stop this job"
            onConfirm={stop}
            disabled={stopping || j.status === 'Stopping'}
          />
        ) : undefined
      }
    >
      <ErrorBox error={job.error} />
      <ErrorBox error={stopError} />
      {j && (
        <>
          <div class="card job-head">
            <div>
              <Status status={j.status} /> <code class="jobid">{j.jobId}</code>
            </div>
            <p>
              Runbook <a href={`#/runbooks/${encodeURIComponent(j.runbook)}`}>{j.runbook}</a> version {j.runbookVersion} · started by{' '}
              <b>{j.startedBy}</b>
              {j.attempt > 1 && <> · attempt {j.attempt}</>}
            </p>
            <ol class="timeline" aria-label="Timeline">
              <li class="done">
                <span>Created</span> {when(j.createdTime)}
              </li>
              <li class={j.startTime ? 'done' : ''}>
                <span>Started</span> {when(j.startTime)}
              </li>
              <li class={j.endTime ? 'done' : ''}>
                <span>Ended</span> {when(j.endTime)} {j.startTime && <em>({jobDuration(j)})</em>}
              </li>
            </ol>
            {j.statusDetails && <p class="muted">{j.statusDetails}</p>}
            {j.exception && <pre class="exception">{j.exception}</pre>}
          </div>
          <div class="grid2">
            <div class="card">
              <h2>Parameters</h2>
              {Object.keys(j.parameters).length === 0 ? (
                <p class="muted">None.</p>
              ) : (
                <table class="kv" data-testid="job-parameters">
                  <tbody>
                    {Object.entries(j.parameters).map(([k, v]) => (
                      <tr>
                        <th>{k}</th>
                        <td>
                          <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            {j.result !== undefined && (
              <div class="card">
                <h2>Result</h2>
                <pre>{JSON.stringify(j.result, null, 2)}</pre>
              </div>
            )}
          </div>
        </>
      )}
      <div class="card">
        <div class="stream-bar">
          <h2>
            Output{' '}
            {live ? (
              <span class="live" data-testid="live">
                ● live
              </span>
            ) : (
              <span class="muted small">ended</span>
            )}
          </h2>
          <div class="toggles" role="group" aria-label="Stream types">
            {STREAM_TYPES.map((t) => (
              <label class={`toggle t-${t}`}>
                <input
                  type="checkbox"
                  checked={shown.has(t)}
                  onChange={(e) => {
                    const next = new Set(shown);
                    if (e.currentTarget.checked) next.add(t);
                    else next.delete(t);
                    setShown(next);
                  }}
                />
                {t} <span class="count">{counts[t] ?? 0}</span>
              </label>
            ))}
          </div>
          <input
            type="search"
            aria-label="Search the output"
            placeholder="Search"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
          <button type="button" onClick={download} disabled={records.length === 0}>
            Download
          </button>
        </div>
        <ErrorBox error={streamError} />
        <div
          class="streams"
          ref={box}
          tabIndex={0}
          role="log"
          aria-live="off"
          aria-label="Job output"
          data-testid="streams"
          onScroll={(e) => {
            const el = e.currentTarget;
            atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {visible.length === 0 && (
            <div class="muted">{records.length ? 'Nothing matches.' : live ? 'Waiting for output…' : 'No output.'}</div>
          )}
          {visible.slice(-MAX_SHOWN).map((r) => (
            <div key={r.jobStreamId} class={`line t-${r.streamType}`}>
              <time dateTime={r.time}>{new Date(r.time).toTimeString().slice(0, 8)}</time>
              <span class="type">{r.streamType}</span>
              <span class="text">{r.streamText}</span>
            </div>
          ))}
        </div>
      </div>
      {!!notes.data?.length && (
        <div class="card" data-testid="job-notifications">
          <h2>Notifications</h2>
          <DeliveriesTable deliveries={notes.data} />
        </div>
      )}
    </Page>
  );
}
