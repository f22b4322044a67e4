#!/usr/bin/env node
// The `hookbook` command (package.json "bin"). In a checkout (after `npm ci`, which installs the
// devDependency tsx) it runs the TypeScript source through tsx's require hook; where tsx is absent
// (a production install) it runs the compiled dist/cli/hookbook.js from `npm run build`.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

function load() {
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
  const compiled = path.join(__dirname, '..', 'dist', 'cli', 'hookbook.js');
  if (fs.existsSync(compiled)) return require(compiled);
  process.stderr.write('hookbook: neither tsx (npm ci) nor dist/cli/hookbook.js (npm run build) is available.\n');
  process.exit(3);
}

load()
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`hookbook: ${error && error.stack ? error.stack : error}\n`);
      process.exitCode = 3;
    },
  );
