// The Azure Monitor common alert schema (what a secure webhook receives) and isResolved.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommonAlert, isCommonAlert, isResolved, parseCommonAlert } from '../../shared/model/azureMonitor';

const raw = readFileSync(path.join(__dirname, '..', 'fixtures', 'azure-monitor-alert.json'), 'utf8');

describe('common alert schema', () => {
  it('parses the metric alert fixture; Fired is not resolved', () => {
    const r = parseCommonAlert(raw);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.alert.data.essentials).toMatchObject({ alertRule: 'vm-web-01-high-cpu', severity: 'Sev2', signalType: 'Metric', monitorCondition: 'Fired' });
    expect(isResolved(r.alert)).toBe(false);
    expect(isResolved(r.alert.data.essentials)).toBe(false);
    // Fields the schema does not name pass through.
    expect(r.alert.data.essentials.investigationLink).toMatch(/^https:/);
    expect((r.alert.data as Record<string, unknown>).customProperties).toEqual({ team: 'web-platform' });
  });

  it('a Resolved notification is recognised', () => {
    const body = JSON.parse(raw);
    body.data.essentials.monitorCondition = 'Resolved';
    body.data.essentials.resolvedDateTime = '2025-06-03T08:29:27.6142936Z';
    const alert = CommonAlert.parse(body);
    expect(isResolved(alert)).toBe(true);
  });

  it('names what is wrong with other bodies', () => {
    expect(parseCommonAlert('not json')).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
    expect(parseCommonAlert({ schemaId: 'Microsoft.Insights/activityLogs', data: {} })).toMatchObject({ ok: false, error: expect.stringMatching(/^schemaId/) });
    const body = JSON.parse(raw);
    body.data.essentials.monitorCondition = 'Maybe';
    expect(parseCommonAlert(body)).toMatchObject({ ok: false, error: expect.stringMatching(/^data\.essentials\.monitorCondition/) });
    delete body.data.essentials;
    expect(isCommonAlert(body)).toBe(false);
  });
});
