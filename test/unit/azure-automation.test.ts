// The Azure Automation API's pure parts (issue 22): $filter parsing, asset inference from an
// imported script's literal names, runbook type mapping and the api-version range.
import { describe, expect, it } from 'vitest';
import { filterTime, parseFilter } from '../../shared/arm/filter';
import { checkApiVersion } from '../../shared/arm/request';
import { azureType, hookbookType } from '../../shared/arm/runbooks';
import { decodeParameters } from '../../shared/arm/jobs';
import { inferAssets } from '../../shared/runbooks/inferAssets';

const JOB = { status: ['eq'], 'runbook/name': ['eq'], startTime: ['ge'], endTime: ['le'] } as const;

describe('$filter', () => {
  it("reads Az's clauses: quoted strings, bare .NET round-trip times, joined by and", () => {
    const f = parseFilter(
      "properties/startTime ge 2026-12-01T10:00:00.1234567+00:00 and properties/runbook/name eq 'O''Brien' AND properties/Status eq 'Completed'",
      JOB,
    );
    expect(f).toEqual([
      { field: 'startTime', op: 'ge', value: '2026-12-01T10:00:00.1234567+00:00' },
      { field: 'runbook/name', op: 'eq', value: "O'Brien" },
      { field: 'status', op: 'eq', value: 'Completed' },
    ]);
    expect(filterTime(f[0]!).toISOString()).toBe('2026-12-01T10:00:00.123Z');
    expect(filterTime({ field: 'time', op: 'ge', value: '2026-12-01T10:00:00 02:00' }).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseFilter("properties/startTime ge datetime'2026-12-01T10:00:00Z'", JOB)[0]!.value).toBe('2026-12-01T10:00:00Z');
    expect(parseFilter("properties/runbook/name eq 'a and b'", JOB)).toHaveLength(1);
    expect(parseFilter(null, JOB)).toEqual([]);
  });

  it('refuses what it cannot read, naming the clause', () => {
    expect(() => parseFilter("properties/status eq 'x' or properties/status eq 'y'", JOB)).toThrow(/clause/);
    expect(() => parseFilter("properties/colour eq 'red'", JOB)).toThrow(/cannot be filtered on/);
    expect(() => parseFilter("properties/status ge 'Completed'", JOB)).toThrow(/takes eq/);
    expect(() => parseFilter("properties/status eq 'open", JOB)).toThrow(/unclosed quote/);
    expect(() => filterTime({ field: 'startTime', op: 'ge', value: 'soon' })).toThrow(/date-time/);
  });
});

describe('assets inferred from an imported script', () => {
  it('grants the literal names the asset cmdlets are called with, and nothing for an expression', () => {
    const script = [
      "$a = Get-AutomationVariable -Name 'Server Name'",
      '$b = Get-AutomationVariable "Port"',
      '$c = get-automationpscredential -Name:Admin',
      "$d = Get-AutomationConnection -Name 'AzureRunAsConnection'",
      "Set-AutomationVariable -Name 'LastRun' -Value (Get-Date)",
      '$e = Get-AutomationVariable -Name $dynamic',
      '$f = Get-AutomationVariable -Name "prefix-$suffix"',
      "$g = Get-AutomationVariable -Name 'Port'",
    ].join('\n');
    expect(inferAssets('pwsh', script)).toEqual({
      variables: ['Server Name', 'Port'],
      credentials: ['Admin'],
      connections: ['AzureRunAsConnection'],
      writeVariables: ['LastRun'],
      env: {},
    });
  });

  it('reads Python runbooks (automationassets) too', () => {
    const script =
      'import automationassets\nv = automationassets.get_automation_variable("Region")\nc = automationassets.get_automation_credential(name=\'svc\')\n';
    expect(inferAssets('python3', script)).toMatchObject({ variables: ['Region'], credentials: ['svc'] });
  });
});

describe('runbook types, api-version, job parameters', () => {
  it('maps Azure runbook types to Hookbook types and back; refuses those Hookbook cannot run', () => {
    expect(hookbookType('PowerShell')).toBe('pwsh');
    expect(hookbookType('PowerShell72')).toBe('pwsh');
    expect(hookbookType('python3')).toBe('python3');
    expect(() => hookbookType('PowerShellWorkflow')).toThrow(/not supported/);
    expect(() => hookbookType('Cobol')).toThrow(/not a runbook type/);
    expect([azureType('pwsh'), azureType('python3'), azureType('bash')]).toEqual(['PowerShell', 'Python3', 'Script']);
  });

  it('accepts api-versions from 2015-10-31 to 2024-10-23', () => {
    for (const v of ['2015-10-31', '2017-05-15-preview', '2018-06-30', '2019-06-01', '2022-08-08', '2023-11-01', '2024-10-23'])
      expect(checkApiVersion(v)).toBe(v);
    for (const v of [null, '2015-10-30', '2024-10-24', 'latest', '2020-13-45']) expect(() => checkApiVersion(v)).toThrow(/api-version/);
  });

  it('decodes JSON-encoded parameter values, keeping text that is not JSON', () => {
    expect(decodeParameters({ a: '"x"', b: '5', c: 'true', d: '{"k":[1]}', e: 'plain text', f: 7 })).toEqual({
      a: 'x',
      b: 5,
      c: true,
      d: { k: [1] },
      e: 'plain text',
      f: 7,
    });
  });
});
