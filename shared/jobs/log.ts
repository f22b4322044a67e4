/**
 * One structured line per job transition (Application Insights picks up console output through
 * the Functions host). Never parameters, never secrets.
 */
export interface TransitionLog {
  jobId: string;
  runbook: string;
  status: string;
  attempt?: number;
  durationMs?: number;
  reason?: string;
  startedBy?: string;
}

export function logTransition(entry: TransitionLog): void {
  if (process.env.HOOKBOOK_LOG_TRANSITIONS === 'false') return;
  console.log(JSON.stringify({ event: 'job.transition', time: new Date().toISOString(), ...entry }));
}
