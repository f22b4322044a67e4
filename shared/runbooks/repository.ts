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
  /** The script's path relative to the folder scanned. */
  relativePath: string;
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

/** A file of a runbook folder: its path relative to the folder (`/`-separated) and its text. */
export interface RunbookFile {
  path: string;
  content: string;
  /** Where it lies on disk, when it does (repository runbooks run from their file). */
  location?: string;
  /** When it last changed (its file's mtime): shown as the runbook's modified time, not the epoch. */
  modified?: string;
}

/** Runbook extensions, and `.json` for manifests beside a script: the files a scan reads. */
export const isRunbookFolderFile = (name: string): boolean => extname(name) === '.json' || extname(name) in EXTENSIONS;

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * The runbooks of a folder's files, by the layout rules (`<scope>/<category>/<name>.<ext>` or
 * `<scope>/<name>.<ext>`), wherever the files come from: the deployment's `runbooks/` folder or a
 * git repository (shared/sourceControl). `problems` are files that look like runbooks but do not
 * load (a broken manifest, a workflow construct); `ignored` are files that are not runbooks.
 */
export function scanFiles(
  files: RunbookFile[],
  prefix: string,
  now = new Date(0).toISOString(),
): RepositoryScan & { ignored: { path: string; reason: string }[] } {
  const out: RepositoryScan & { ignored: { path: string; reason: string }[] } = { runbooks: [], problems: [], ignored: [] };
  const byPath = new Map(files.map((f) => [f.path, f]));
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    const parts = file.path.split('/');
    const entry = parts.pop()!;
    const ext = extname(entry);
    const type = EXTENSIONS[ext];
    if (ext === '.json') {
      const script = Object.keys(EXTENSIONS).some((e) => byPath.has(file.path.slice(0, -5) + e));
      if (script) continue;
      const reason = entry.endsWith('.permissions.json') ? "a RealmJoin permissions file; Hookbook doesn't read it" : 'a manifest without a script beside it';
      out.ignored.push({ path: file.path, reason });
      continue;
    }
    if (!type) {
      out.ignored.push({ path: file.path, reason: `unknown extension '${ext || '(none)'}'` });
      continue;
    }
    if (parts.length < 1 || parts.length > 2) {
      out.ignored.push({ path: file.path, reason: 'not in a <scope>/ or <scope>/<category>/ folder' });
      continue;
    }
    const bad = parts.find((p) => !SEGMENT.test(p));
    if (bad !== undefined) {
      out.ignored.push({ path: file.path, reason: `folder name '${bad}' holds characters other than letters, digits, "_" and "-"` });
      continue;
    }
    const stem = basename(entry, ext);
    try {
      const sidecar = byPath.get(file.path.slice(0, -ext.length) + '.json');
      const changed = [file.modified, sidecar?.modified].filter((t): t is string => t !== undefined).sort().pop();
      out.runbooks.push(load(file, sidecar?.content, parts, stem, type, prefix, changed ?? now));
    } catch (error) {
      out.problems.push(`${file.location ?? file.path}: ${(error as Error).message}`);
    }
  }
  return out;
}

/**
 * The deployment's folder (`HOOKBOOK_RUNBOOKS_DIR`), read from disk two folder levels deep. Each
 * runbook's time is its file's (or manifest's) mtime; `now`, when given, is every runbook's (tests).
 */
export function scanRepository(dir: string, prefix: string, now?: string): RepositoryScan {
  const root = resolve(dir);
  if (!existsSync(root)) return { runbooks: [], problems: [] };
  const files: RunbookFile[] = [];
  const walk = (folder: string, segments: string[]) => {
    for (const entry of readdirSync(folder).sort()) {
      const full = join(folder, entry);
      if (statSync(full).isDirectory()) {
        if (segments.length < 2 && SEGMENT.test(entry)) walk(full, [...segments, entry]);
        continue;
      }
      if (!isRunbookFolderFile(entry) || segments.length < 1) continue;
      const modified = now ?? statSync(full).mtime.toISOString();
      files.push({ path: [...segments, entry].join('/'), content: readFileSync(full, 'utf8'), location: full, modified });
    }
  };
  walk(root, []);
  const { runbooks, problems } = scanFiles(files, prefix, now);
  return { runbooks, problems };
}

function load(
  file: RunbookFile,
  sidecar: string | undefined,
  segments: string[],
  stem: string,
  type: RunbookType,
  prefix: string,
  now: string,
): RepositoryRunbook {
  const content = file.content;
  let raw: unknown;
  try {
    raw = sidecar !== undefined ? JSON.parse(sidecar) : (headerManifest(content) ?? {});
  } catch (error) {
    throw new Error(`manifest: ${(error as Error).message}`);
  }
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
  return { runbook, version: { name, version: 1, definition, content, ...(file.location ? { file: file.location } : {}) }, relativePath: file.path };
}
