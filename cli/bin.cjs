#!/usr/bin/env node
// The `hookbook` command (package.json "bin"). It runs JavaScript, not TypeScript: the CLI is bundled
// once with esbuild (a dependency of tsx, so there after `npm ci`) into dist/cli-bundle/hookbook.cjs
// (git-ignored), and bundled again only when a source under cli/ or client/ is newer than the bundle.
// So the first call takes a moment longer and every other one starts in well under half a second,
// with no install script (npm ci stays quiet).
//
// `hookbook worker` (a long-running hybrid worker, cli/worker/) keeps running its source through tsx:
// it reaches into shared/ for the job runner, whose files are found beside its own modules.
// Where neither esbuild nor tsx is installed (a production install), dist/cli/hookbook.js from
// `npm run build` runs.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'cli-bundle', 'hookbook.cjs');
const SOURCES = [path.join(root, 'cli'), path.join(root, 'client')];

function newestSource(dir, newest = 0) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (p !== path.join(root, 'cli', 'worker')) newest = newestSource(p, newest);
    } else if (/\.(ts|cjs|js|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function fresh() {
  let built;
  try {
    built = fs.statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  try {
    return SOURCES.every((d) => !fs.existsSync(d) || newestSource(d) <= built);
  } catch {
    return true; // sources not shipped: the bundle is all there is
  }
}

/** Bundles cli/hookbook.ts; written to a temporary file and renamed, so two first calls never see half a file. */
async function build() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return false;
  }
  const tmp = `${bundle}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'cli', 'hookbook.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    plugins: [
      {
        // The worker is not part of the bundle (see above): main() hands `worker` back to this file.
        name: 'worker-outside',
        setup(b) {
          b.onResolve({ filter: /\/worker\/main$/ }, () => ({ path: 'worker-outside', namespace: 'hookbook' }));
          b.onLoad({ filter: /.*/, namespace: 'hookbook' }, () => ({
            contents: 'exports.workerMain = () => { throw new Error("hookbook worker runs from cli/bin.cjs"); };',
            loader: 'js',
          }));
        },
      },
    ],
  });
  fs.renameSync(tmp, bundle);
  return true;
}

function fromSource() {
  const source = path.join(__dirname, 'hookbook.ts');
  let tsx;
  try {
    tsx = require.resolve('tsx/cjs');
  } catch {
    tsx = undefined;
  }
  if (tsx && fs.existsSync(source)) {
    require(tsx);
    return require(source);
  }
  return undefined;
}

function compiled() {
  const file = path.join(root, 'dist', 'cli', 'hookbook.js');
  return fs.existsSync(file) ? require(file) : undefined;
}

async function load(args) {
  if (args[0] === 'worker') return fromSource() ?? compiled();
  if (fresh() || (await build().catch((e) => (process.stderr.write(`hookbook: could not bundle the CLI: ${e.message}\n`), false))))
    return require(bundle);
  return compiled() ?? fromSource();
}

const args = process.argv.slice(2);
load(args)
  .then((cli) => {
    if (!cli) {
      process.stderr.write('hookbook: neither esbuild/tsx (npm ci) nor dist/cli/hookbook.js (npm run build) is available.\n');
      return 3;
    }
    return cli.main(args);
  })
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`hookbook: ${error && error.stack ? error.stack : error}\n`);
      process.exitCode = 3;
    },
  );
