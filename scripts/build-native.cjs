#!/usr/bin/env node
// Builds native/hookbook_native.node (prctl for a non-dumpable host, docs/security.md) from source
// with node-gyp against the headers of the Node that runs this script (npm config nodedir, e.g.
// /usr for Debian's nodejs: /usr/include/node). npm does not run install scripts here, so `npm
// start`, `npm test` and the test setup call this. Skips when the addon is newer than its source;
// when it cannot be built it says so once and exits 0: the service then runs dumpable (and logs it).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'native');
const out = path.join(dir, 'build', 'Release', 'hookbook_native.node');
const source = path.join(dir, 'hookbook_native.c');
const quiet = process.argv.includes('--quiet');
// `--copy-to dist`: also put the addon where the compiled code looks for it (dist/native/...).
const copyTo = process.argv.includes('--copy-to') ? process.argv[process.argv.indexOf('--copy-to') + 1] : undefined;

function done() {
  if (copyTo && fs.existsSync(out)) {
    const target = path.join(path.resolve(copyTo), 'native', 'build', 'Release');
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(out, path.join(target, path.basename(out)));
  }
  process.exit(0);
}

if (process.platform !== 'linux') done();
if (
  fs.existsSync(out) &&
  fs.statSync(out).mtimeMs >= Math.max(fs.statSync(source).mtimeMs, fs.statSync(path.join(dir, 'binding.gyp')).mtimeMs)
)
  done();

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  // Headers of the running Node: <prefix>/include/node (Debian: /usr).
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? path.resolve(prefix) : undefined;
}

const gyp = nodeGyp();
const nodedir = nodeDir();
if (!gyp || !nodedir) {
  process.stderr.write(
    `build-native: skipped (${!gyp ? 'node-gyp not found' : 'Node headers not found'}); the service will run dumpable.\n`,
  );
  done();
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: dir,
  stdio: quiet ? 'pipe' : 'inherit',
  encoding: 'utf8',
});
if (r.status !== 0) {
  process.stderr.write(
    `build-native: node-gyp failed; the service will run dumpable.\n${quiet ? (r.stdout ?? '') + (r.stderr ?? '') : ''}\n`,
  );
}
done();
