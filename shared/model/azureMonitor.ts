import { z } from 'zod';

/**
 * The Azure Monitor common alert schema (what an action group's webhook or secure webhook posts
 * when "Enable the common alert schema" is on). Only `essentials` has a fixed shape; the
 * `alertContext` depends on `essentials.monitoringService` (Platform metric alerts, Log Alerts V2,
 * Activity Log, Resource Health, ...) and is kept as an object. Unknown fields pass through: Azure
 * adds fields over time (e.g. `investigationLink`, `customProperties`).
 *
 * https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema
 *
 * JSON pointers to the fields a webhook's `parameterMap` usually takes (docs/entra-id.md):
 * `/data/essentials/alertRule`, `/data/essentials/severity`, `/data/essentials/monitorCondition`,
 * `/data/essentials/alertTargetIDs`, `/data/essentials/firedDateTime`, `/data/alertContext`.
 */
export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

export const AlertSeverity = z.enum(['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const MonitorCondition = z.enum(['Fired', 'Resolved']);
export type MonitorCondition = z.infer<typeof MonitorCondition>;

const DateTime = z.iso.datetime({ offset: true, local: false });

export const AlertEssentials = z.looseObject({
  alertId: z.string().min(1),
  alertRule: z.string().min(1),
  severity: AlertSeverity,
  /** `Metric`, `Log`, `Activity Log`, ... */
  signalType: z.string().min(1),
  monitorCondition: MonitorCondition,
  /** `Platform`, `Log Analytics`, `Application Insights`, `Log Alerts V2`, `Activity Log - Administrative`, `Resource Health`, ... */
  monitoringService: z.string().min(1),
  alertTargetIDs: z.array(z.string()),
  configurationItems: z.array(z.string()).optional(),
  originAlertId: z.string().optional(),
  firedDateTime: DateTime,
  resolvedDateTime: DateTime.optional(),
  description: z.string().nullable().default(''),
  essentialsVersion: z.string(),
  alertContextVersion: z.string(),
  investigationLink: z.string().optional(),
});
export type AlertEssentials = z.infer<typeof AlertEssentials>;

export const CommonAlert = z.looseObject({
  schemaId: z.literal(COMMON_ALERT_SCHEMA_ID),
  data: z.looseObject({
    essentials: AlertEssentials,
    alertContext: z.record(z.string(), z.unknown()).nullable().default({}),
    customProperties: z.record(z.string(), z.string()).nullable().optional(),
  }),
});
export type CommonAlert = z.infer<typeof CommonAlert>;

/** Parse a request body (text or already-parsed JSON); the error names the first wrong field. */
export function parseCommonAlert(body: string | unknown): { ok: true; alert: CommonAlert } | { ok: false; error: string } {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch (error) {
      return { ok: false, error: `the body is not JSON (${(error as Error).message})` };
    }
  }
  const parsed = CommonAlert.safeParse(value);
  if (parsed.success) return { ok: true, alert: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, error: `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}` };
}

export const isCommonAlert = (body: unknown): body is CommonAlert => CommonAlert.safeParse(body).success;

/** A Resolved notification (the condition cleared), as opposed to a Fired one. */
export function isResolved(alert: CommonAlert | AlertEssentials): boolean {
  const essentials = (alert as CommonAlert).schemaId === COMMON_ALERT_SCHEMA_ID ? (alert as CommonAlert).data.essentials : (alert as AlertEssentials);
  return essentials.monitorCondition === 'Resolved';
}
