export const TERMINAL = ['Completed', 'Failed', 'Stopped'];
export const STATUSES = ['New', 'Queued', 'Running', 'Completed', 'Failed', 'Stopping', 'Stopped'];
export const STREAM_TYPES = ['Output', 'Error', 'Warning', 'Verbose', 'Debug', 'Progress'] as const;

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function jobDuration(j: { startTime?: string; endTime?: string }, now = Date.now()): string {
  if (!j.startTime) return '–';
  return duration((j.endTime ? Date.parse(j.endTime) : now) - Date.parse(j.startTime));
}

export function when(iso: string | undefined | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

// v7 job ids begin with their time: jobs started together share a prefix, so show the random end.
export const shortId = (id: string): string => `…${id.slice(-8)}`;
