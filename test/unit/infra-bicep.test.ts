// The Bicep compiler on every .bicep file under infra/: `bicep build` (syntax, and every resource's
// properties and values checked against Azure's resource types built into the CLI) and `bicep lint`
// (the linter rules, set in infra/bicepconfig.json). Zero errors and zero warnings: a warning there is
// how Bicep reports a property Azure's type does not have or a value of the wrong type.
//
// The CLI comes from the NuGet package Azure.Bicep.CommandLine.linux-x64, put at .tools/bicep/bicep by
// scripts/ensure-tools.sh (run by `npm test`); a `bicep` on PATH is used otherwise. Without either,
// these tests are skipped with a warning that says so: they did not run.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

function findBicep(): string | undefined {
  const local = path.join(root, '.tools', 'bicep', 'bicep');
  try {
    accessSync(local, constants.X_OK);
    return local;
  } catch {
    // not installed here; try PATH
  }
  try {
    execFileSync('bicep', ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return 'bicep';
  } catch {
    return undefined;
  }
}

function bicepFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return bicepFiles(full);
    return name.endsWith('.bicep') ? [full] : [];
  });
}

const bicep = findBicep();
if (!bicep) {
  console.warn(
    'infra-bicep: NOT RUN: no Bicep CLI (.tools/bicep/bicep or bicep on PATH). `npm test` installs it when the .NET SDK is present (scripts/ensure-tools.sh); see its message above.',
  );
}

/** Runs the CLI; returns its exit status and every diagnostic line it printed (stdout or stderr). */
function run(args: string[]): { status: number | null; diagnostics: string[]; stdout: string } {
  const r = spawnSync(bicep!, args, { cwd: root, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  const lines = `${args[0] === 'build' ? '' : r.stdout}\n${r.stderr}`.split('\n');
  // Bicep's diagnostic format: `<file>(<line>,<col>) : <Level> <code>: <message>`.
  const diagnostics = lines.filter((l) => /\) : (Error|Warning|Info)\b/.test(l) || /^(Error|Warning)\b/.test(l.trim()));
  return { status: r.status, diagnostics, stdout: r.stdout };
}

describe.skipIf(!bicep)('infra/*.bicep with the Bicep compiler', () => {
  const files = bicepFiles(path.join(root, 'infra'));

  it('finds the templates', () => {
    expect(files.map((f) => path.relative(root, f))).toContain(path.join('infra', 'main.bicep'));
  });

  for (const file of bicepFiles(path.join(root, 'infra'))) {
    const rel = path.relative(root, file);

    it(`${rel}: bicep build gives an ARM template with no error and no warning`, () => {
      const r = run(['build', file, '--stdout']);
      expect(r.diagnostics, r.diagnostics.join('\n')).toEqual([]);
      expect(r.status).toBe(0);
      const template = JSON.parse(r.stdout);
      expect(template.$schema).toMatch(/deploymentTemplate\.json#$/);
      expect(Object.keys(template.resources).length).toBeGreaterThan(0);
    }, 200_000);

    it(`${rel}: bicep lint reports nothing`, () => {
      const r = run(['lint', file]);
      expect(r.diagnostics, r.diagnostics.join('\n')).toEqual([]);
      expect(r.status).toBe(0);
    }, 200_000);
  }

  it('reports a wrong property as a diagnostic (the check above can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hookbook-bicep-'));
    try {
      const bad = path.join(dir, 'bad.bicep');
      writeFileSync(
        bad,
        "resource site 'Microsoft.Web/sites@2025-03-01' = {\n  name: 'x'\n  location: resourceGroup().location\n  properties: {\n    notAProperty: true\n  }\n}\n",
      );
      const r = run(['build', bad, '--stdout']);
      expect(r.diagnostics.join('\n')).toMatch(/Warning BCP037: The property "notAProperty" is not allowed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
