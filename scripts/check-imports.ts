/**
 * The import boundaries `npm test` holds (docs/architecture.md):
 * - only shared/store/ and local/ import an Azure storage SDK (tests and the bench look at storage
 *   from outside, as an operator would, and may too);
 * - shared/store/ imports nothing of the core but model/, config and errors (the store serves the
 *   core, never the other way round);
 * - no import cycles among the modules loaded at start (static, non-type-only imports);
 * - client/ (the API client of the CLI, bench and tests) loads nothing outside client/: its types
 *   come from shared/model/ by type-only imports;
 * - settings come from shared/config.ts: no other file of functions/ or shared/ reads process.env
 *   (the runner forwards the host's PATH and HOOKBOOK_PASS_ENV's variables to runbooks, and the
 *   assets' job environment the host's managed-identity variables, and pwsh.ts looks PowerShell up
 *   on the host's PATH; that is not reading a setting).
 * Exit code 1 with one line per breach.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');
const CODE_DIRS = ['functions', 'shared', 'local', 'cli', 'client', 'scripts'];
const STORAGE_SDK = /^@azure\/(data-tables|storage-queue|storage-blob|storage-file-share)(\/|$)/;
const MAY_USE_STORAGE_SDK = ['shared/store/', 'local/', 'test/', 'bench/'];
const STORE_MAY_IMPORT = ['shared/store/', 'shared/model/', 'shared/config.ts', 'shared/errors.ts'];
const APP_DIRS = ['functions/', 'shared/'];
const MAY_READ_ENV = [
  'shared/config.ts',
  'shared/runners/runner.ts',
  'shared/runners/pwsh.ts',
  'shared/runners/interpreters.ts',
  'shared/runbooks/syntax.ts',
  'shared/assets/jobEnv.ts',
];

function files(dir: string): string[] {
  const abs = path.join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path.join(root, rel)).isDirectory()) return files(rel);
    return /\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

interface Import {
  specifier: string;
  /** Loaded when the module loads (not type-only, not a dynamic import()). */
  atLoad: boolean;
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name &&
            !!c.namedBindings &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ specifier: node.moduleSpecifier.text, atLoad: !typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ specifier: node.moduleSpecifier.text, atLoad: !node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire) out.push({ specifier: node.arguments[0].text, atLoad: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ specifier: node.argument.literal.text, atLoad: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The repo file a relative specifier names, or undefined for packages. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    try {
      if (statSync(path.join(root, candidate)).isFile()) return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function check(): string[] {
  const problems: string[] = [];
  const all = [...CODE_DIRS, 'test', 'bench'].flatMap(files);
  const graph = new Map<string, string[]>();
  for (const file of all) {
    if (
      APP_DIRS.some((d) => file.startsWith(d)) &&
      !MAY_READ_ENV.includes(file) &&
      /\bprocess\.env\b/.test(readFileSync(path.join(root, file), 'utf8'))
    ) {
      problems.push(`${file}: reads process.env; settings are read through shared/config.ts`);
    }
    const edges: string[] = [];
    for (const imp of importsOf(file)) {
      if (STORAGE_SDK.test(imp.specifier) && !MAY_USE_STORAGE_SDK.some((p) => file.startsWith(p))) {
        problems.push(`${file}: imports ${imp.specifier}; only shared/store/ and local/ talk to storage`);
      }
      const target = resolve(file, imp.specifier);
      if (!target) continue;
      if (file.startsWith('shared/store/') && !STORE_MAY_IMPORT.some((p) => target.startsWith(p))) {
        problems.push(`${file}: imports ${target}; the store may import only ${STORE_MAY_IMPORT.join(', ')}`);
      }
      if (file.startsWith('client/') && imp.atLoad && !target.startsWith('client/')) {
        problems.push(`${file}: imports ${target}; the API client carries no server code (type-only imports of shared/model/ are fine)`);
      }
      if (imp.atLoad) edges.push(target);
    }
    graph.set(file, edges);
  }
  problems.push(
    ...cycles(
      graph,
      all.filter((f) => CODE_DIRS.some((d) => f.startsWith(`${d}/`))),
    ),
  );
  return problems;
}

/** Every import cycle (as a path a → b → … → a), each reported once. */
function cycles(graph: Map<string, string[]>, starts: string[]): string[] {
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const walk = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const key = [...loop].sort().join('|');
        if (!found.has(key)) {
          found.add(key);
          found.add(`cycle: ${[...loop, next].join(' → ')}`);
        }
      } else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const s of starts) if (!state.has(s)) walk(s);
  return [...found].filter((k) => k.startsWith('cycle: ')).map((k) => `import ${k}`);
}

if (require.main === module) {
  const problems = check();
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-imports: ${problems.length} boundary breach${problems.length > 1 ? 'es' : ''}`);
    process.exit(1);
  }
  console.log(
    'check-imports: storage SDKs only in shared/store/ and local/, the store imports no core, the API client no server code, no import cycles, settings only from shared/config.ts',
  );
}
