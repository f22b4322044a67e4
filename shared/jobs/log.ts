import { settings } from '../config';

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
  if (!settings().logTransitions) return;
  console.log(JSON.stringify({ event: 'job.transition', time: new Date().toISOString(), ...entry }));
}
