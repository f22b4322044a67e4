import { table } from './clients';
import { jsonRows } from './jsonRows';

/**
 * Table "armschedules" (partition "p", row = the name in lower case): an Azure schedule that no job
 * schedule links to a runbook yet. Azure keeps a schedule's timing apart from the runbooks it starts;
 * a Hookbook schedule names its runbook, so the timing waits here until `PUT jobSchedules/{id}` makes
 * it a Hookbook schedule (and the row goes), and comes back here when that job schedule is deleted.
 */
export interface PendingSchedule {
  name: string;
  description?: string;
  frequency: 'OneTime' | 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month';
  interval?: number;
  startTime?: string;
  expiryTime?: string;
  timeZone?: string;
  weekDays?: string[];
  monthDays?: number[];
  monthlyOccurrences?: { day: string; occurrence: number }[];
  isEnabled: boolean;
  createdTime: string;
  lastModifiedTime: string;
}

const rows = jsonRows('armschedules');
const PK = 'p';

export const armScheduleStore = {
  /** False when one with that name is waiting already. */
  create: (s: PendingSchedule) => rows.create({ partitionKey: PK, rowKey: s.name.toLowerCase(), json: JSON.stringify(s) }),

  async get(name: string): Promise<PendingSchedule | undefined> {
    const e = await rows.get(PK, name.toLowerCase());
    return e ? (JSON.parse(e.json) as PendingSchedule) : undefined;
  },

  list: () => rows.list(PK, (v) => v as PendingSchedule),

  async put(s: PendingSchedule): Promise<void> {
    const t = await table('armschedules');
    await t.upsertEntity({ partitionKey: PK, rowKey: s.name.toLowerCase(), json: JSON.stringify(s) }, 'Replace');
  },

  delete: (name: string) => rows.delete(PK, name.toLowerCase()),
};
