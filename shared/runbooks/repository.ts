import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, resolve, extname, basename } from 'node:path';
import { RunbookDefinition, RunbookName, RunbookPath, RunbookType, type Runbook, type RunbookVersion } from '../model/runbook';
import { describeZodError } from '../errors';
import { checkDefinitions } from './parameters';
import { withPwshParameters } from './pwshParams';

/**
 * Repository runbooks: `runbooks/<scope>/<category>/<name>.<ext>` (or `runbooks/<scope>/<name>.<ext>`)
 * in the deployment, published as they are. Name `<prefix><scope>_<category>_<name>`, path
 * `/<scope>/<category>/<name>`; a manifest beside the file (`<name>.json`) or in a header block
 * (`hookbook-manifest` … `end-hookbook-manifest` comment lines) may set the name, path, type,
 * parameters and limits.
 */
const EXTENSIONS: Record<string, RunbookType> = { '.js': 'node', '.cjs': 'node', '.mjs': 'node', '.sh': 'bash', '.py': 'python3', '.ps1': 'pwsh' };

const Manifest = RunbookDefinition.partial().extend({ name: RunbookName.optional(), path: RunbookPath.optional() }).strict();

export interface RepositoryRunbook {
  runbook: Runbook;
  version: RunbookVersion;
}

export interface RepositoryScan {
  runbooks: RepositoryRunbook[];
  problems: string[];
}

export function headerManifest(source: string): unknown | undefined {
  const lines = source.split(/\r?\n/);
  const start = lines.findIndex((l) => /^\s*(#|\/\/)\s*hookbook-manifest\s*$/.test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^\s*(#|\/\/)\s*end-hookbook-manifest\s*$/.test(l));
  if (end < 0) throw new Error('hookbook-manifest block has no end-hookbook-manifest line');
  const body = lines.slice(start + 1, end).map((l) => l.replace(/^\s*(#|\/\/) ?/, '')).join('\n');
  return JSON.parse(body);
}

/** `now`: one time for every runbook (tests); by default each runbook's is its file's (or manifest's) mtime. */
export function scanRepository(dir: string, prefix: string, now?: string): RepositoryScan {
  const root = resolve(dir);
  const out: RepositoryScan = { runbooks: [], problems: [] };
  if (!existsSync(root)) return out;
  const walk = (folder: string, segments: string[]) => {
    for (const entry of readdirSync(folder).sort()) {
      const full = join(folder, entry);
      if (statSync(full).isDirectory()) {
        if (segments.length < 2 && /^[A-Za-z0-9_-]+$/.test(entry)) walk(full, [...segments, entry]);
        continue;
      }
      const ext = extname(entry);
      const type = EXTENSIONS[ext];
      if (!type || segments.length < 1) continue;
      const stem = basename(entry, ext);
      try {
        out.runbooks.push(load(full, segments, stem, type, prefix, now));
      } catch (error) {
        out.problems.push(`${full}: ${(error as Error).message}`);
      }
    }
  };
  walk(root, []);
  return out;
}

function load(file: string, segments: string[], stem: string, type: RunbookType, prefix: string, at?: string): RepositoryRunbook {
  const content = readFileSync(file, 'utf8');
  const sidecar = file.slice(0, -extname(file).length) + '.json';
  // When the deployment last changed it: shown as the runbook's modified time (not the epoch).
  const now = at ?? new Date(Math.max(statSync(file).mtimeMs, existsSync(sidecar) ? statSync(sidecar).mtimeMs : 0)).toISOString();
  const raw = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')) : (headerManifest(content) ?? {});
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) throw new Error(describeZodError(parsed.error, 'manifest'));
  const m = parsed.data;
  // A .ps1 without a manifest declares its parameters in param(), as in Azure Automation.
  const definition = withPwshParameters(RunbookDefinition.parse({ ...m, type: m.type ?? type, name: undefined, path: undefined }), content);
  checkDefinitions(definition.parameters);
  const name = m.name ?? RunbookName.parse(prefix + [...segments, stem].join('_'));
  const path = m.path ?? '/' + [...segments, stem].join('/');
  RunbookPath.parse(path);
  const runbook: Runbook = {
    ...definition,
    name,
    path,
    state: 'Published',
    source: 'repository',
    version: 1,
    createdTime: now,
    lastModifiedTime: now,
    publishedTime: now,
  };
  return { runbook, version: { name, version: 1, definition, content, file } };
}
