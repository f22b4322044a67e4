/** hookbook schedules create|preview|list|get|enable|disable|delete (docs/schedules.md) */
import type { HookbookClient } from '../../client';
import type { Values } from '../args';
import { need, type Group } from '../context';
import { CliError, EXIT } from '../errors';
import { printer, table } from '../output';
import { buildParameters } from '../parameters';

interface Schedule {
  name: string;
  runbook: string;
  isEnabled: boolean;
  effectiveCron?: string;
  nextRun?: string | null;
  timeZone?: string;
  lastRun?: string | null;
  lastError?: string | null;
  description?: string;
  parameters?: Record<string, unknown>;
  expiryTime?: string | null;
}

interface Preview {
  timeZone: string;
  effectiveCron?: string;
  occurrences: Array<{ time: string; local: string }>;
}

const enc = encodeURIComponent;
const list = (raw: string | undefined) =>
  raw
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The timing fields as the API takes them; the service checks them and names what is wrong. */
function timing(v: Values): Record<string, unknown> {
  const t: Record<string, unknown> = {};
  if (v.cron) t.cronExpression = v.cron;
  if (v.frequency) t.frequency = v.frequency;
  if (v.interval !== undefined) {
    const n = Number(v.interval);
    if (!Number.isInteger(n)) throw new CliError(`--interval must be a whole number, not '${v.interval}'.`);
    t.interval = n;
  }
  if (v.start) t.startTime = v.start;
  if (v['time-zone']) t.timeZone = v['time-zone'];
  if (v.expiry) t.expiryTime = v.expiry;
  if (v['week-days']) t.weekDays = list(v['week-days']);
  if (v['month-days']) t.monthDays = list(v['month-days'])!.map(Number);
  if (!t.cronExpression && !t.frequency && !t.startTime)
    throw new CliError('A schedule needs --cron <expression>, --frequency <Hour|Day|Week|Month> or --start <time> (once).');
  return t;
}

function preview(api: HookbookClient, v: Values, count: number): Promise<Preview> {
  return api.call<Preview>('POST', '/api/v1/schedules/preview', { ...timing(v), count });
}

const nextRuns = (p: Preview) =>
  `Next runs (${p.timeZone}${p.effectiveCron ? `, cron ${p.effectiveCron}` : ''}):\n` +
  (p.occurrences.length ? p.occurrences.map((o) => `  ${o.local}  (${o.time})`).join('\n') : '  none') +
  '\n';

function describe(s: Schedule): string {
  return (
    [
      `${s.name}  (runbook ${s.runbook}, ${s.isEnabled ? 'enabled' : 'disabled'})`,
      `when: ${s.effectiveCron ?? '?'} (${s.timeZone ?? 'UTC'})${s.expiryTime ? `, until ${s.expiryTime}` : ''}`,
      `next run: ${s.nextRun ?? 'none'}`,
      ...(s.lastRun ? [`last run: ${s.lastRun}`] : []),
      ...(s.lastError ? [`last error: ${s.lastError}`] : []),
      ...(s.parameters && Object.keys(s.parameters).length ? [`parameters: ${JSON.stringify(s.parameters)}`] : []),
      ...(s.description ? [`description: ${s.description}`] : []),
    ].join('\n') + '\n'
  );
}

async function setEnabled(name: string, isEnabled: boolean, { v, api, io }: Parameters<Group[string]>[0]): Promise<number> {
  const s = await api.call<Schedule>('PATCH', `/api/v1/schedules/${enc(name)}`, { isEnabled });
  printer(v, io)(s, () => `Schedule ${s.name} ${isEnabled ? 'enabled' : 'disabled'}; next run: ${s.nextRun ?? 'none'}.\n`);
  return EXIT.ok;
}

export const schedules: Group = {
  async create({ pos, v, api, io }) {
    const name = need(pos, 0, 'schedule name');
    if (!v.runbook) throw new CliError('schedules create needs --runbook <name>.');
    const parameters = await buildParameters(api, v.runbook, v);
    const s = await api.call<Schedule>('POST', '/api/v1/schedules', {
      name,
      runbook: v.runbook,
      ...timing(v),
      ...(parameters ? { parameters } : {}),
      ...(v.description ? { description: v.description } : {}),
      ...(v.disabled ? { isEnabled: false } : {}),
    });
    const p = await preview(api, v, 5);
    printer(v, io)(
      { ...s, preview: p.occurrences },
      () => `Schedule ${s.name} created (${s.isEnabled ? 'enabled' : 'disabled'}).\n${nextRuns(p)}`,
    );
    return EXIT.ok;
  },

  async preview({ v, api, io }) {
    const count = v.count === undefined ? 10 : Number(v.count);
    if (!Number.isInteger(count)) throw new CliError(`--count must be a whole number, not '${v.count}'.`);
    const p = await preview(api, v, count);
    printer(v, io)(p, () => nextRuns(p));
    return EXIT.ok;
  },

  async list({ v, api, io }) {
    const { value } = await api.call<{ value: Schedule[] }>('GET', `/api/v1/schedules${v.runbook ? `?runbook=${enc(v.runbook)}` : ''}`);
    printer(v, io)(value, () =>
      table([
        ['NAME', 'RUNBOOK', 'ENABLED', 'WHEN', 'TIME ZONE', 'NEXT RUN'],
        ...value.map((s) => [s.name, s.runbook, s.isEnabled ? 'yes' : 'no', s.effectiveCron ?? '', s.timeZone ?? 'UTC', s.nextRun ?? '-']),
      ]),
    );
    return EXIT.ok;
  },

  async get({ pos, v, api, io }) {
    const s = await api.call<Schedule>('GET', `/api/v1/schedules/${enc(need(pos, 0, 'schedule name'))}`);
    printer(v, io)(s, () => describe(s));
    return EXIT.ok;
  },

  enable: (c) => setEnabled(need(c.pos, 0, 'schedule name'), true, c),
  disable: (c) => setEnabled(need(c.pos, 0, 'schedule name'), false, c),

  async delete({ pos, v, api, io }) {
    const name = need(pos, 0, 'schedule name');
    await api.call<undefined>('DELETE', `/api/v1/schedules/${enc(name)}`);
    printer(v, io)({ name, deleted: true }, () => `Schedule ${name} deleted (the jobs it started stay).\n`);
    return EXIT.ok;
  },
};
