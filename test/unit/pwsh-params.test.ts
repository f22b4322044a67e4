import { describe, expect, it } from 'vitest';
import { parseParamBlock, PwshSourceError, toScript, withPwshParameters } from '../../shared/runbooks/pwshParams';

const params = (src: string) => parseParamBlock(toScript(src)).map(({ psType: _t, ...p }) => p);

describe('PowerShell param() blocks', () => {
  it('reads names, types, Mandatory and literal defaults as Azure Automation declares them', () => {
    const src = [
      '<# .SYNOPSIS a runbook with (parens) and {braces} in help #>',
      '#Requires -Modules Az.Accounts',
      '[CmdletBinding()]',
      'param(',
      '  [Parameter(Mandatory = $true)] [string] $UserName,',
      '  [Parameter(Mandatory)][int]$Count,',
      '  [Parameter(Mandatory=$false)][bool]$Force = $true,',
      '  [switch]$WhatIfOnly,',
      '  [datetime]$When,',
      '  [object]$WebhookData,',
      '  [string[]]$Groups = @("a", \'b\'),',
      "  [ValidateSet('x','y')][string]$Mode = 'x',",
      '  $Untyped,',
      '  [string]$Computed = (Get-Date).ToString(),',
      '  [System.Int64]$Big = 5',
      ')',
      'Write-Output "$UserName"',
    ].join('\n');
    expect(params(src)).toEqual([
      { name: 'UserName', type: 'string', mandatory: true, secret: false },
      { name: 'Count', type: 'int', mandatory: true, secret: false },
      { name: 'Force', type: 'bool', mandatory: false, secret: false, default: true },
      { name: 'WhatIfOnly', type: 'bool', mandatory: false, secret: false },
      { name: 'When', type: 'datetime', mandatory: false, secret: false },
      { name: 'WebhookData', type: 'object', mandatory: false, secret: false },
      { name: 'Groups', type: 'array', mandatory: false, secret: false, default: ['a', 'b'] },
      { name: 'Mode', type: 'string', mandatory: false, secret: false, default: 'x' },
      { name: 'Untyped', type: 'string', mandatory: false, secret: false },
      { name: 'Computed', type: 'string', mandatory: false, secret: false },
      { name: 'Big', type: 'int', mandatory: false, secret: false, default: 5 },
    ]);
  });

  it('ignores param-like text in strings and comments, and scripts without param()', () => {
    expect(params('# param([string]$Nope)\nWrite-Output "param($x)"')).toEqual([]);
    expect(params("$s = @'\nparam([int]$Nope)\n'@\nparam([int]$Late)")).toEqual([]);
  });

  it('keeps Mandatory with a literal default (the default fills in), as PowerShell declares it', () => {
    expect(params("param([Parameter(Mandatory = $true)][string]$Action = 'Allowed')")).toEqual([
      { name: 'Action', type: 'string', mandatory: true, secret: false, default: 'Allowed' },
    ]);
  });

  it('skips here-strings holding $( ) with here-strings of their own', () => {
    const src = [
      'param([string]$A)',
      '$s = @"',
      '$(if ($A) {',
      '@"',
      'inner "@ not at line start',
      '"@',
      '})',
      'param([int]$Nope)',
      '"@',
      'workflow',
    ].join('\n');
    expect(() => toScript(src)).toThrow(/line 10/); // the only code after the string is the bare word
    expect(params(src.replace(/\nworkflow$/, '')).map((p) => p.name)).toEqual(['A']);
  });

  it('balances brackets inside attributes (RealmJoin ValidateScript blocks)', () => {
    const src =
      'param(\n [ValidateScript( { Use-RJInterface -Type Graph -Entity User -DisplayName "User (UPN)" } )]\n [String] $UserName,\n [string] $CallerName\n)';
    expect(params(src).map((p) => p.name)).toEqual(['UserName', 'CallerName']);
  });

  it('only declares parameters from param() when the definition has none', () => {
    const src = 'param([Parameter(Mandatory=$true)][int]$N)';
    expect(withPwshParameters({ type: 'pwsh', parameters: [] }, src).parameters).toEqual([
      { name: 'N', type: 'int', mandatory: true, secret: false },
    ]);
    const declared = [{ name: 'N', type: 'string' as const, mandatory: false, secret: true }];
    expect(withPwshParameters({ type: 'pwsh', parameters: declared }, src).parameters).toBe(declared);
    expect(withPwshParameters({ type: 'bash', parameters: [] }, src).parameters).toEqual([]);
  });
});

describe('PowerShell Workflow runbooks', () => {
  const wf = (body: string) =>
    `# a comment\nworkflow Test-Flow\n{\n  param([Parameter(Mandatory=$true)][object]$WebhookData)\n${body}\n}\n`;

  it('rewrites a workflow without engine constructs into its script, keeping line numbers', () => {
    const src = wf('  $x = 1\n  InlineScript { Write-Output "v=$using:x $Using:x" }\n  Write-Output done');
    const out = toScript(src);
    expect(out.workflow).toBe('Test-Flow');
    expect(out.script).not.toMatch(/workflow|InlineScript|using:/i);
    expect(out.script.split('\n').length).toBe(src.split('\n').length);
    expect(out.script.split('\n')[5]).toBe('  & { Write-Output "v=$x $x" }');
    expect(parseParamBlock(out).map((p) => [p.name, p.type, p.mandatory])).toEqual([['WebhookData', 'object', true]]);
  });

  const refused: [string, string, number][] = [
    ['  parallel {\n    Write-Output a\n  }', "'parallel'", 5],
    ['  $l = 1,2\n  foreach -parallel ($i in $l) { $i }', "'foreach -parallel'", 6],
    ['  Checkpoint-Workflow', "'Checkpoint-Workflow'", 5],
    ['  Write-Output a\n  Suspend-Workflow', "'Suspend-Workflow'", 6],
    ['  Get-Service -PSComputerName srv1', "'-PSComputerName'", 5],
    ['  InlineScript { hostname } -PSComputerName srv1', "'-PSComputerName'", 5],
  ];
  it.each(refused)('refuses %j naming the construct and its line', (body, construct, line) => {
    let caught: unknown;
    try {
      toScript(wf(body));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PwshSourceError);
    expect((caught as PwshSourceError).line).toBe(line);
    expect((caught as Error).message).toContain(construct);
    expect((caught as Error).message).toMatch(new RegExp(`^line ${line}: `));
  });

  it('does not mistake the words in strings, comments or non-workflow scripts for constructs', () => {
    expect(() => toScript(wf('  Write-Output "parallel { } Checkpoint-Workflow"\n  # Suspend-Workflow'))).not.toThrow();
    expect(toScript('1..3 | ForEach-Object -Parallel { $_ }').workflow).toBeUndefined();
  });

  it('InlineScript on its own line above { stays one statement; typographic quotes are quotes; an empty Param() header may precede', () => {
    const src = 'Param()\n<# .SYNOPSIS #>\nworkflow W {\n  $r = InlineScript\n  {\n    \u201Cparallel {\u201D\n  }\n}';
    const out = toScript(src);
    expect(out.script.split('\n')).toEqual(['', '<# .SYNOPSIS #>', '', '  $r = & `', '  {', '    \u201Cparallel {\u201D', '  }', '']);
  });

  it('refuses code outside the workflow', () => {
    expect(() => toScript('workflow A { }\nWrite-Output x')).toThrow(/line 2: .*outside/);
  });
});
