import { duration, shortId, when } from '../lib/format';
import { DataTable } from '../lists';

// A notification delivery and its attempts (docs/notifications.md): shown on a target's page and on a
// job's page, so it sits in the first chunk (small) rather than the notifications pages' one.
export interface Attempt {
  time: string;
  statusCode?: number;
  latencyMs: number;
  response: string;
}
export interface Delivery {
  deliveryId: string;
  target: string;
  jobId: string;
  runbook: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped' | 'stopped';
  reason?: string;
  createdTime: string;
  nextAttemptTime?: string;
  attempts: Attempt[];
}

const STATUS_CLASS: Record<Delivery['status'], string> = {
  pending: 's-Queued',
  delivered: 's-Completed',
  failed: 's-Failed',
  skipped: 's-Stopped',
  stopped: 's-Stopped',
};
export const DeliveryStatus = ({ status }: { status: Delivery['status'] }) => (
  <span class={`status ${STATUS_CLASS[status]}`}>{status}</span>
);

/** Deliveries with every attempt: the job, the event, the status and each try's answer. */
export function DeliveriesTable({ deliveries, onRedeliver }: { deliveries: Delivery[]; onRedeliver?: (d: Delivery) => void }) {
  return (
    <DataTable
      testid="deliveries"
      columns={['Delivery', 'Event', 'Job', 'Status', 'Attempts (time, status, latency, answer)', ...(onRedeliver ? [''] : [])]}
      rows={deliveries}
      row={(d) => (
        <tr data-delivery={d.deliveryId}>
          <td>
            <code title={d.deliveryId}>{d.deliveryId.slice(0, 12)}…</code>
            <div class="muted small">
              {d.target} · {when(d.createdTime)}
            </div>
          </td>
          <td>{d.event}</td>
          <td>
            <a href={`#/jobs/${d.jobId}`} title={d.jobId}>
              {shortId(d.jobId)}
            </a>
            <div class="muted small">{d.runbook}</div>
          </td>
          <td>
            <DeliveryStatus status={d.status} />
            {d.reason && <div class="muted small">{d.reason}</div>}
            {d.nextAttemptTime && d.status === 'pending' && <div class="muted small">next try {when(d.nextAttemptTime)}</div>}
          </td>
          <td>
            {d.attempts.length === 0 && <span class="muted">none yet</span>}
            <ol class="attempts" data-testid="attempts">
              {d.attempts.map((a) => (
                <li data-status={a.statusCode ?? 'none'}>
                  {when(a.time)} · <b>{a.statusCode ?? 'no answer'}</b> · {duration(a.latencyMs)} ·{' '}
                  <code class="answer">{a.response || '(empty)'}</code>
                </li>
              ))}
            </ol>
          </td>
          {onRedeliver && (
            <td>
              <button type="button" onClick={() => onRedeliver(d)}>
                Redeliver
              </button>
            </td>
          )}
        </tr>
      )}
    />
  );
}
