import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../lib/api';
import { when } from '../lib/format';
import { ConfirmButton, ErrorBox, Page, useAction, useAsync, useCan } from '../components';
import { ListView } from '../lists';
import type { Runbook } from './Runbooks';
import { collectParameters, initialValues, ParameterFields, type ParameterValues } from './StartForm';

interface Schedule {
  name: string;
  runbook: string;
  cronExpression?: string;
  frequency?: string;
  effectiveCron?: string;
  timeZone: string;
  isEnabled: boolean;
  isExpired: boolean;
  expiryTime?: string;
  nextRun: string | null;
  lastRun: string | null;
  lastJobId: string | null;
  lastError: string | null;
}
interface Preview {
  timeZone: string;
  effectiveCron?: string;
  occurrences: { time: string; local: string; offsetMinutes: number; offsetChanged: boolean }[];
}

const zones = (): string[] => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
};
const offsetText = (m: number) =>
  `UTC${m < 0 ? '−' : '+'}${String(Math.floor(Math.abs(m) / 60)).padStart(2, '0')}:${String(Math.abs(m) % 60).padStart(2, '0')}`;

function timingBody(mode: string, f: Record<string, string>): Record<string, unknown> {
  const b: Record<string, unknown> = { timeZone: f.timeZone || 'UTC' };
  if (mode === 'cron') b.cronExpression = f.cron;
  else {
    b.frequency = f.frequency;
    if (f.startTime) b.startTime = f.startTime.length === 16 ? `${f.startTime}:00` : f.startTime;
    if (f.interval && f.frequency !== 'OneTime') b.interval = Number(f.interval);
  }
  if (f.expiry) b.expiryTime = `${f.expiry}:00`.slice(0, 19);
  return b;
}

function CreateSchedule({ runbooks, onCreated }: { runbooks: Runbook[]; onCreated: () => void }) {
  const [mode, setMode] = useState<'cron' | 'frequency'>('cron');
  const [f, setF] = useState<Record<string, string>>({
    name: '',
    runbook: runbooks[0]?.name ?? '',
    cron: '0 9 * * 1-5',
    frequency: 'Day',
    interval: '1',
    startTime: '',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    expiry: '',
  });
  const parametersOf = (name: string) => runbooks.find((r) => r.name === name)?.parameters ?? [];
  // The same generated fields as the runbook's Start form, fresh for each runbook chosen.
  const [values, setValues] = useState<ParameterValues>(() => initialValues(parametersOf(f.runbook!)));
  useEffect(() => setValues(initialValues(parametersOf(f.runbook!))), [f.runbook]);
  const [preview, setPreview] = useState<Preview>();
  const [previewError, setPreviewError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const set = (k: string) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });

  // Live preview: the server computes the next runs (same code as the scheduler), debounced.
  useEffect(() => {
    const t = setTimeout(() => {
      api<Preview>('POST', '/api/v1/schedules/preview', { ...timingBody(mode, f), count: 8 }).then(
        (p) => (setPreview(p), setPreviewError(undefined)),
        (e) => (setPreview(undefined), setPreviewError(e)),
      );
    }, 300);
    return () => clearTimeout(t);
  }, [mode, f.cron, f.frequency, f.interval, f.startTime, f.timeZone, f.expiry]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const parameters = collectParameters(parametersOf(f.runbook!), values);
      await api('POST', '/api/v1/schedules', { name: f.name, runbook: f.runbook, parameters, ...timingBody(mode, f) });
      setF({ ...f, name: '' });
      setValues(initialValues(parametersOf(f.runbook!)));
      onCreated();
    } catch (err) {
      setError(err);
      // Secret values are not kept in the page once sent, taken or not: typed again if refused.
      const secret = parametersOf(f.runbook!).filter((p) => p.secret);
      setValues((v) => ({ ...v, ...Object.fromEntries(secret.map((p) => [p.name, ''])) }));
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New schedule">
      <h2>New schedule</h2>
      <ErrorBox error={error} />
      <div class="grid2">
        <div>
          <div class="row">
            <label>
              Name
              <input name="name" required value={f.name} onInput={set('name')} />
            </label>
            <label>
              Runbook
              <select name="runbook" value={f.runbook} onChange={set('runbook')}>
                {runbooks.map((r) => (
                  <option value={r.name}>{r.name}</option>
                ))}
              </select>
            </label>
          </div>
          <div class="seg" role="radiogroup" aria-label="Timing">
            <button type="button" role="radio" aria-checked={mode === 'cron'} onClick={() => setMode('cron')}>
              Cron
            </button>
            <button type="button" role="radio" aria-checked={mode === 'frequency'} onClick={() => setMode('frequency')}>
              Frequency
            </button>
          </div>
          {mode === 'cron' ? (
            <label>
              Cron expression (5 or 6 fields)
              <input name="cron" value={f.cron} onInput={set('cron')} spellcheck={false} />
            </label>
          ) : (
            <div class="row">
              <label>
                Every
                <input name="interval" type="number" min={1} value={f.interval} onInput={set('interval')} />
              </label>
              <label>
                Frequency
                <select name="frequency" value={f.frequency} onChange={set('frequency')}>
                  {['OneTime', 'Minute', 'Hour', 'Day', 'Week', 'Month'].map((x) => (
                    <option value={x}>{x}</option>
                  ))}
                </select>
              </label>
              <label>
                First run (local time)
                <input name="startTime" type="datetime-local" value={f.startTime} onInput={set('startTime')} />
              </label>
            </div>
          )}
          <div class="row">
            <label>
              Time zone
              <input name="timeZone" list="zones" value={f.timeZone} onInput={set('timeZone')} />
              <datalist id="zones">
                {zones().map((z) => (
                  <option value={z} />
                ))}
              </datalist>
            </label>
            <label>
              Expires (optional)
              <input name="expiry" type="datetime-local" value={f.expiry} onInput={set('expiry')} />
            </label>
          </div>
          <fieldset class="params" aria-label="Parameters">
            <legend>Parameters of {f.runbook}</legend>
            <ParameterFields parameters={parametersOf(f.runbook!)} values={values} onChange={setValues} />
          </fieldset>
          <div class="buttons">
            <button type="submit" class="primary">
              Create schedule
            </button>
          </div>
        </div>
        <div class="preview" aria-live="polite" data-testid="schedule-preview">
          <h3>Next runs in {preview?.timeZone ?? f.timeZone}</h3>
          {previewError ? <ErrorBox error={previewError} /> : null}
          {preview && preview.occurrences.length === 0 && <p class="muted">No future runs.</p>}
          <ol>
            {preview?.occurrences.map((o) => (
              <li class={o.offsetChanged ? 'dst' : undefined}>
                <code>{o.local.replace('T', ' ')}</code>
                {o.offsetChanged && (
                  <span class="badge" title="the zone's UTC offset changes before this run">
                    DST → {offsetText(o.offsetMinutes)}
                  </span>
                )}
              </li>
            ))}
          </ol>
          {preview?.effectiveCron && (
            <p class="hint">
              Runs on: <code>{preview.effectiveCron}</code>
            </p>
          )}
        </div>
      </div>
    </form>
  );
}

export function Schedules() {
  const isAdmin = useCan('admin');
  const list = useAsync(async () => (await get<{ value: Schedule[] }>('/api/v1/schedules')).value, []);
  const runbooks = useAsync(async () => (await get<{ value: Runbook[] }>('/api/v1/runbooks')).value.filter((r) => r.version > 0), []);
  const { error, run } = useAction();
  const act = (f: () => Promise<unknown>) => run(async () => (await f(), list.reload()));
  return (
    <Page title="Schedules">
      {isAdmin &&
        runbooks.data &&
        (runbooks.data.length ? (
          <CreateSchedule runbooks={runbooks.data} onCreated={list.reload} />
        ) : (
          <p class="muted">Publish a runbook first: a schedule starts a published runbook.</p>
        ))}
      <ListView
        error={list.error ?? error}
        items={list.data}
        empty={<p>No schedules yet.</p>}
        testid="schedules-table"
        columns={['Name', 'Runbook', 'When', 'Next run', 'Last run', 'Enabled', '']}
        row={(s) => (
          <tr data-schedule={s.name}>
            <td>{s.name}</td>
            <td>
              <a href={`#/runbooks/${encodeURIComponent(s.runbook)}`}>{s.runbook}</a>
            </td>
            <td>
              <code>{s.effectiveCron ?? s.frequency}</code> <span class="muted small">{s.timeZone}</span>
            </td>
            <td>{s.isExpired ? <span class="status s-Failed">expired</span> : when(s.nextRun)}</td>
            <td>
              {s.lastJobId ? <a href={`#/jobs/${s.lastJobId}`}>{when(s.lastRun)}</a> : when(s.lastRun)}
              {s.lastError && <div class="error small">{s.lastError}</div>}
            </td>
            <td>
              {isAdmin ? (
                <label class="switch">
                  <input
                    type="checkbox"
                    checked={s.isEnabled}
                    aria-label={`${s.name} enabled`}
                    onChange={(e) =>
                      act(() => api('PATCH', `/api/v1/schedules/${encodeURIComponent(s.name)}`, { isEnabled: e.currentTarget.checked }))
                    }
                  />
                  {s.isEnabled ? 'on' : 'off'}
                </label>
              ) : s.isEnabled ? (
                'on'
              ) : (
                'off'
              )}
            </td>
            <td>
              {isAdmin && (
                <ConfirmButton
                  label="Delete"
                  confirm={`Delete ${s.name}`}
                  onConfirm={() => act(() => api('DELETE', `/api/v1/schedules/${encodeURIComponent(s.name)}`))}
                />
              )}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
