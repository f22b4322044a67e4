import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, settings } from '../../shared/config';

const root = path.resolve(__dirname, '../..');
const ENV_NAMES = Object.values(SETTINGS).map((s) => s.env);
const DEFAULTS = settings({});
const keyOf = (env: string) => Object.entries(SETTINGS).find(([, s]) => s.env === env)?.[0] as keyof typeof DEFAULTS | undefined;

/** The README's configuration table: name, default cell, meaning. */
function readmeRows(): { name: string; fallback: string; meaning: string }[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('| setting | default | meaning |');
  expect(start).toBeGreaterThan(0);
  const rows: { name: string; fallback: string; meaning: string }[] = [];
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, name, fallback, meaning] = line.split(/\s*\|\s*/);
    rows.push({ name: name!.replace(/`/g, ''), fallback: fallback!, meaning: meaning! });
  }
  return rows;
}

/** App settings infra/main.bicep gives the function app: name → literal value (undefined for expressions). */
function bicepSettings(): Map<string, string | undefined> {
  const bicep = readFileSync(path.join(root, 'infra/main.bicep'), 'utf8');
  const out = new Map<string, string | undefined>();
  for (const m of bicep.matchAll(/\{\s*name:\s*'([A-Za-z0-9_]+)',\s*value:\s*([^}]+?)\s*\}/g)) {
    const literal = /^'([^']*)'$/.exec(m[2]!);
    out.set(m[1]!, literal ? literal[1] : undefined);
  }
  return out;
}

const isLocalHostRow = (meaning: string) => /^local host\b/.test(meaning);
// Read by the Functions host and the Azure SDKs themselves, not by Hookbook's code.
const PLATFORM = /^(AzureWebJobsStorage__(credential|clientId)|AZURE_CLIENT_ID|APPLICATIONINSIGHTS_.*|FUNCTIONS_.*|WEBSITES?_.*)$/;

describe('settings', () => {
  it('are parsed from the environment they are given', () => {
    expect(settings({ HOOKBOOK_LEASE_SECONDS: '5' }).leaseSeconds).toBe(5);
    expect(settings({ HOOKBOOK_LEASE_SECONDS: '' }).leaseSeconds).toBe(60);
    expect(settings({ HOOKBOOK_PASS_ENV: 'A, B,,' }).passEnv).toEqual(['A', 'B']);
    expect(settings({ HOOKBOOK_LOG_TRANSITIONS: 'false' }).logTransitions).toBe(false);
    expect(settings({ HOOKBOOK_PUBLIC_URL: 'https://x.example/' }).publicUrl).toBe('https://x.example');
    expect(settings({ HOOKBOOK_RUNBOOK_PREFIX: '' }).runbookPrefix).toBe('');
  });

  it('name the setting when a value is bad', () => {
    expect(() => settings({ HOOKBOOK_LEASE_SECONDS: 'soon' })).toThrow(/HOOKBOOK_LEASE_SECONDS/);
    expect(() => settings({ HOOKBOOK_RETENTION_DAYS: '-1' })).toThrow(/HOOKBOOK_RETENTION_DAYS/);
  });

  it('are each read from one variable with a doc line', () => {
    expect(new Set(ENV_NAMES).size).toBe(ENV_NAMES.length);
    for (const s of Object.values(SETTINGS)) expect(s.doc.length).toBeGreaterThan(5);
  });

  it('are all in the README table, with the defaults it states', () => {
    const rows = readmeRows();
    const tableText = rows.map((r) => `${r.name} ${r.meaning}`).join('\n');
    for (const env of ENV_NAMES) {
      const row = rows.find((r) => r.name === env) ?? rows.find((r) => r.name.endsWith('*') && env.startsWith(r.name.slice(0, -1)));
      expect(row ?? (tableText.includes(`\`${env}\``) ? 'mentioned' : undefined), `${env} is missing from the README table`).toBeDefined();
      // A stated default (not one given as another setting's name, such as `HOOKBOOK_PUBLIC_URL`).
      const stated = row && /^`([^`<]*)`/.exec(row.fallback)?.[1];
      if (stated !== undefined && /^HOOKBOOK_[A-Z_]+$/.test(stated)) continue;
      if (stated !== undefined && stated !== null && DEFAULTS[keyOf(env)!] !== undefined)
        expect(String(DEFAULTS[keyOf(env)!]), `README default of ${env}`).toBe(stated);
    }
  });

  it('the README table lists no setting the schema lacks (local host rows aside)', () => {
    for (const row of readmeRows()) {
      if (isLocalHostRow(row.meaning)) continue;
      const known = row.name.endsWith('*') ? ENV_NAMES.some((e) => e.startsWith(row.name.slice(0, -1))) : ENV_NAMES.includes(row.name);
      expect(known, `README row ${row.name} is not in shared/config.ts`).toBe(true);
    }
  });

  it('infra/main.bicep sets only settings the schema knows, with values it accepts', () => {
    const bicep = bicepSettings();
    expect(bicep.size).toBeGreaterThan(5);
    for (const [name, value] of bicep) {
      if (PLATFORM.test(name)) continue;
      expect(ENV_NAMES, `infra/main.bicep sets ${name}, which shared/config.ts does not define`).toContain(name);
      if (value !== undefined) expect(() => settings({ [name]: value })).not.toThrow();
    }
  });
});
